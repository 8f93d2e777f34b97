"""Settings come from ``[plugin.s3]``; ``check()``, readiness and doctor name what is wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from socialflow.core.platform import Platform
from socialflow.core.settings import SettingsError, load_settings
from socialflow.plugins.protocols import StorageError

from socialflow_s3 import S3Settings, S3Storage


def s3_section(endpoint: str, bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "access_key_id": "testing",
        "secret_access_key": "testing",
        "addressing_style": "path",
        **extra,
    }


def test_check_names_backend_bucket_and_endpoint(
    s3_endpoint: str, s3_bucket: str, make_settings: Any
) -> None:
    described = S3Storage(make_settings(s3_endpoint, s3_bucket, prefix="p/")).check()
    assert described.startswith(f"s3 bucket {s3_bucket} at {s3_endpoint}")
    assert "prefix p/" in described
    assert "writable" in described


def test_check_fails_clearly_on_a_wrong_bucket(s3_endpoint: str, make_settings: Any) -> None:
    storage = S3Storage(make_settings(s3_endpoint, "no-such-bucket-here"))
    with pytest.raises(StorageError, match=r"s3 bucket no-such-bucket-here .* does not exist"):
        storage.check()


def test_check_fails_clearly_on_bad_credentials(s3_authenticating_endpoint: str) -> None:
    storage = S3Storage(
        S3Settings(
            bucket="any-bucket",
            endpoint_url=s3_authenticating_endpoint,
            access_key_id="AKIANOTAREALKEY00000",
            secret_access_key="wrong",  # type: ignore[arg-type]
            addressing_style="path",
        )
    )
    with pytest.raises(StorageError, match=r"access denied .*check the credentials"):
        storage.check()


def test_check_fails_clearly_when_unreachable(make_settings: Any) -> None:
    from socialflow.testing.processes import free_port

    config = make_settings(f"http://127.0.0.1:{free_port()}", "media", max_attempts=1)
    with pytest.raises(StorageError, match="not reachable"):
        S3Storage(config).check()


def test_secrets_never_show_in_errors_or_repr(s3_endpoint: str) -> None:
    config = S3Settings(
        bucket="no-such-bucket-here",
        endpoint_url=s3_endpoint,
        access_key_id="testing",
        secret_access_key="super-secret-value",  # type: ignore[arg-type]
    )
    assert "super-secret-value" not in repr(config)
    with pytest.raises(StorageError) as raised:
        S3Storage(config).check()
    assert "super-secret-value" not in str(raised.value)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"bucket": "media", "bucket_name": "typo"}, "plugin.s3.bucket_name"),
        ({}, "plugin.s3.bucket"),
        ({"bucket": "media", "access_key_id": "only-half"}, "secret_access_key"),
        ({"bucket": "media", "prefix": "/abs/"}, "prefix"),
    ],
)
def test_bad_settings_fail_at_start(
    socialflow_project: Any, section: dict[str, Any], message: str
) -> None:
    from socialflow.testing import toml

    toml.write(
        socialflow_project / "socialflow.toml",
        {"secret_key": "x" * 48, "storage": "s3", "plugin": {"s3": section}},
    )
    with pytest.raises(SettingsError, match=message):
        Platform(load_settings(socialflow_project)).start()


class TestAsActiveStorage:
    """``storage = "s3"`` in a project's settings, with the plugin installed."""

    @pytest.fixture
    def socialflow_overrides(self, s3_endpoint: str, s3_bucket: str) -> dict[str, Any]:
        return {"storage": "s3", "plugin": {"s3": s3_section(s3_endpoint, s3_bucket)}}

    def test_platform_uses_s3_and_is_ready(self, platform: Any, s3_bucket: str) -> None:
        assert isinstance(platform.storage, S3Storage)
        assert "s3" in platform.plugins.infos
        storage_check = {c.name: c for c in platform.readiness(broker=False)}["storage"]
        assert storage_check.ok, storage_check.detail
        assert s3_bucket in storage_check.detail

    def test_readyz_over_http(self, client: Any, s3_bucket: str) -> None:
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.text
        assert answer.json()["checks"]["storage"]["ok"] is True
        assert s3_bucket not in answer.text  # which part, never where: that is for doctor


class TestWrongBucketFailsDoctorAndReadiness:
    @pytest.fixture
    def socialflow_overrides(self, s3_endpoint: str) -> dict[str, Any]:
        return {"storage": "s3", "plugin": {"s3": s3_section(s3_endpoint, "wrong-bucket")}}

    def test_readiness(self, platform: Any, client: Any) -> None:
        storage_check = {c.name: c for c in platform.readiness(broker=False)}["storage"]
        assert not storage_check.ok
        assert "s3 bucket wrong-bucket" in storage_check.detail
        assert "does not exist" in storage_check.detail
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["failing"] == ["storage"]
        assert "wrong-bucket" not in answer.text  # the reason is in the log and doctor

    def test_doctor(self, platform: Any) -> None:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "socialflow",
                "doctor",
                "--project",
                str(platform.settings.project_dir),
                "--no-broker",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "storage" in result.stdout
        assert "wrong-bucket" in result.stdout
        assert "does not exist" in result.stdout


def test_installed_but_inactive_needs_no_section(socialflow_project: Any) -> None:
    """With storage = "local" and no [plugin.s3], the installed plugin costs nothing."""
    from socialflow.testing import toml

    toml.write(socialflow_project / "socialflow.toml", {"secret_key": "x" * 48})
    platform = Platform(load_settings(socialflow_project)).start()
    try:
        assert platform.storage.name == "local"
        assert "s3" in platform.plugins.provider_factories("storage")
    finally:
        platform.stop()


def test_a_present_section_is_validated_even_when_inactive(socialflow_project: Any) -> None:
    from socialflow.testing import toml

    toml.write(
        socialflow_project / "socialflow.toml",
        {"secret_key": "x" * 48, "plugin": {"s3": {"bucket": "media", "regoin": "eu-west-1"}}},
    )
    with pytest.raises(SettingsError, match=r"plugin\.s3\.regoin"):
        Platform(load_settings(socialflow_project)).start()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialflow", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )


def switch_new_project_storage(project: Any, backend: str, section: dict[str, Any]) -> None:
    """Edit a project made by `socialflow new` as an operator would."""
    created = run_cli("new", str(project))
    assert created.returncode == 0, created.stdout + created.stderr
    settings_file = project / "socialflow.toml"
    text = settings_file.read_text()
    assert 'storage = "local"' in text
    lines = [f"\n[plugin.{backend}]"] + [f"{k} = {json.dumps(v)}" for k, v in section.items()]
    settings_file.write_text(
        text.replace('storage = "local"', f'storage = "{backend}"') + "\n".join(lines) + "\n"
    )
    migrated = run_cli("migrate", "--project", str(project))
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


def test_a_new_project_switched_to_s3_passes_doctor(
    tmp_path: Any, s3_endpoint: str, s3_bucket: str
) -> None:
    switch_new_project_storage(tmp_path / "site", "s3", s3_section(s3_endpoint, s3_bucket))
    result = run_cli("doctor", "--project", str(tmp_path / "site"), "--no-broker")
    row = next(line for line in result.stdout.splitlines() if "storage (s3)" in line)
    assert "ok" in row, result.stdout
    assert f"s3 bucket {s3_bucket}" in result.stdout
