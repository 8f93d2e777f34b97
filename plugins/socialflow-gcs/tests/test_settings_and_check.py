"""Settings come from ``[plugin.gcs]``; ``check()``, readiness and doctor name what is wrong.

gcp-storage-emulator authenticates nothing, so "bad credentials" is tested
as a key that cannot be loaded (malformed JSON, a missing key file); a key
Google refuses would take the same ``access denied`` path as S3 and Azure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from socialflow.core.platform import Platform
from socialflow.core.settings import SettingsError, load_settings
from socialflow.plugins.protocols import StorageError
from socialflow.testing.processes import free_port

from socialflow_gcs import GCSSettings, GCSStorage


def test_check_names_backend_and_bucket(
    gcs_bucket: str, gcs_endpoint: str, make_settings: Callable[..., GCSSettings]
) -> None:
    described = GCSStorage(make_settings(gcs_bucket)).check()
    assert described.startswith(f"gcs bucket {gcs_bucket} at {gcs_endpoint}")


def test_check_fails_clearly_on_a_wrong_bucket(make_settings: Callable[..., GCSSettings]) -> None:
    with pytest.raises(StorageError, match=r"gcs bucket no-such-bucket .* does not exist"):
        GCSStorage(make_settings("no-such-bucket")).check()


def test_check_fails_clearly_on_a_malformed_key(
    gcs_bucket: str, make_settings: Callable[..., GCSSettings], service_account_info: dict
) -> None:
    broken = dict(service_account_info, private_key="-----BEGIN PRIVATE KEY-----\nnope\n")
    config = make_settings(gcs_bucket, anonymous=False, credentials_json=json.dumps(broken))
    with pytest.raises(StorageError, match="could not load the service-account key") as raised:
        GCSStorage(config).check()
    assert "nope" not in str(raised.value)


def test_check_fails_clearly_on_a_missing_key_file(
    gcs_bucket: str, make_settings: Callable[..., GCSSettings], tmp_path: Path
) -> None:
    config = make_settings(
        gcs_bucket,
        anonymous=False,
        credentials_json=None,
        credentials_file=tmp_path / "missing.json",
    )
    with pytest.raises(StorageError, match=r"credentials_file.*missing\.json"):
        GCSStorage(config).check()


def test_check_fails_clearly_when_unreachable(make_settings: Callable[..., GCSSettings]) -> None:
    config = make_settings("media", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageError, match="not reachable"):
        GCSStorage(config).check()


def test_signed_urls_need_a_key(gcs_bucket: str, make_settings: Callable[..., GCSSettings]) -> None:
    storage = GCSStorage(make_settings(gcs_bucket, credentials_json=None))
    with pytest.raises(StorageError, match="need a service-account key"):
        storage.signed_url("a/b.mp4")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({}, "plugin.gcs.bucket"),
        ({"bucket": "media", "chunk_size": 1000}, "chunk_size"),
        ({"bucket": "media", "chunk_size": 300_000}, "multiple of 256 KiB"),
        ({"bucket": "media", "projct": "typo"}, "plugin.gcs.projct"),
    ],
)
def test_bad_settings_fail_at_start(
    socialflow_project: Any, section: dict[str, Any], message: str
) -> None:
    from socialflow.testing import toml

    toml.write(
        socialflow_project / "socialflow.toml",
        {"secret_key": "x" * 48, "storage": "gcs", "plugin": {"gcs": section}},
    )
    with pytest.raises(SettingsError, match=message):
        Platform(load_settings(socialflow_project)).start()


def gcs_section(endpoint: str, bucket: str, info: dict[str, str]) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "anonymous": True,
        "credentials_json": json.dumps(info),
        "check_timeout": 3,
    }


class TestAsActiveStorage:
    @pytest.fixture
    def socialflow_overrides(
        self, gcs_endpoint: str, gcs_bucket: str, service_account_info: dict[str, str]
    ) -> dict[str, Any]:
        section = gcs_section(gcs_endpoint, gcs_bucket, service_account_info)
        return {"storage": "gcs", "plugin": {"gcs": section}}

    def test_platform_uses_gcs_and_is_ready(
        self, platform: Any, client: Any, gcs_bucket: str
    ) -> None:
        assert isinstance(platform.storage, GCSStorage)
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.text
        assert answer.json()["checks"]["storage"]["ok"] is True
        assert gcs_bucket not in answer.text  # which part, never where
        assert "PRIVATE KEY" not in answer.text


class TestWrongBucketFailsDoctorAndReadiness:
    @pytest.fixture
    def socialflow_overrides(
        self, gcs_endpoint: str, service_account_info: dict[str, str]
    ) -> dict[str, Any]:
        section = gcs_section(gcs_endpoint, "wrong-bucket", service_account_info)
        return {"storage": "gcs", "plugin": {"gcs": section}}

    def test_readiness_and_doctor(self, platform: Any, client: Any) -> None:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["failing"] == ["storage"]
        assert "wrong-bucket" not in answer.text  # the reason is in the log and doctor
        result = subprocess.run(
            [
                sys.executable, "-m", "socialflow", "doctor",
                "--project", str(platform.settings.project_dir), "--no-broker",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        assert "gcs bucket wrong-bucket" in result.stdout
        assert "does not exist" in result.stdout
        assert "PRIVATE KEY" not in result.stdout


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


def test_a_new_project_switched_to_gcs_passes_doctor(
    tmp_path: Any, gcs_endpoint: str, gcs_bucket: str, service_account_info: dict[str, str]
) -> None:
    section = gcs_section(gcs_endpoint, gcs_bucket, service_account_info)
    switch_new_project_storage(tmp_path / "site", "gcs", section)
    result = run_cli("doctor", "--project", str(tmp_path / "site"), "--no-broker")
    row = next(line for line in result.stdout.splitlines() if "storage (gcs)" in line)
    assert "ok" in row, result.stdout
    assert f"gcs bucket {gcs_bucket}" in result.stdout
