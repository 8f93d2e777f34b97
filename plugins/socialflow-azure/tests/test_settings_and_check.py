"""Settings come from ``[plugin.azure]``; ``check()``, readiness and doctor name what is wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from socialflow.core.platform import Platform
from socialflow.core.settings import SettingsError, load_settings
from socialflow.plugins.protocols import StorageError
from socialflow.testing.processes import free_port

from socialflow_azure import AzureBlobStorage, AzureSettings

WRONG_KEY = "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBrZXkgbWF0ZXJpYWwgZm9yIHRoZSB0ZXN0cw=="


def test_check_names_backend_and_container(
    azure_container: str, azurite_endpoint: str, make_settings: Callable[..., AzureSettings]
) -> None:
    described = AzureBlobStorage(make_settings(azure_container, prefix="x/")).check()
    assert described.startswith(f"azure container {azure_container} at {azurite_endpoint}")
    assert "prefix x/" in described


def test_check_fails_clearly_on_a_wrong_container(
    make_settings: Callable[..., AzureSettings],
) -> None:
    with pytest.raises(StorageError, match=r"azure container no-such-container .* does not exist"):
        AzureBlobStorage(make_settings("no-such-container")).check()


def test_check_fails_clearly_on_a_wrong_key(
    azure_container: str, azurite_endpoint: str, azurite_account: tuple[str, str]
) -> None:
    config = AzureSettings(
        container=azure_container,
        account_name=azurite_account[0],
        account_key=WRONG_KEY,  # type: ignore[arg-type]
        account_url=azurite_endpoint,
        max_attempts=1,
    )
    with pytest.raises(StorageError, match="access denied") as raised:
        AzureBlobStorage(config).check()
    assert WRONG_KEY not in str(raised.value)


def test_check_fails_clearly_when_unreachable(azurite_account: tuple[str, str]) -> None:
    config = AzureSettings(
        container="media",
        account_name=azurite_account[0],
        account_key=azurite_account[1],  # type: ignore[arg-type]
        account_url=f"http://127.0.0.1:{free_port()}/{azurite_account[0]}",
        max_attempts=1,
    )
    with pytest.raises(StorageError, match="not reachable"):
        AzureBlobStorage(config).check()


def test_sas_grants_reading_only(
    azure_container: str, make_settings: Callable[..., AzureSettings]
) -> None:
    storage = AzureBlobStorage(make_settings(azure_container))
    storage.put("sas/only-read", b"original")
    url = storage.signed_url("sas/only-read", expires_in=600)
    assert httpx.get(url).content == b"original"
    overwrite = httpx.put(url, content=b"forged", headers={"x-ms-blob-type": "BlockBlob"})
    assert overwrite.status_code == 403
    assert httpx.delete(url).status_code == 403
    assert storage.get("sas/only-read") == b"original"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"container": "media"}, "connection_string"),
        ({"container": "Bad_Name", "connection_string": "x"}, "plugin.azure.container"),
        ({"container": "media", "connection_string": "x", "colour": "blue"}, "plugin.azure.colour"),
        (
            {"container": "media", "connection_string": "x", "account_name": "a"},
            "not both",
        ),
    ],
)
def test_bad_settings_fail_at_start(
    socialflow_project: Any, section: dict[str, Any], message: str
) -> None:
    from socialflow.testing import toml

    toml.write(
        socialflow_project / "socialflow.toml",
        {"secret_key": "x" * 48, "storage": "azure", "plugin": {"azure": section}},
    )
    with pytest.raises(SettingsError, match=message):
        Platform(load_settings(socialflow_project)).start()


def azure_section(endpoint: str, container: str, key: str) -> dict[str, Any]:
    return {
        "container": container,
        "account_name": "devstoreaccount1",
        "account_key": key,
        "account_url": endpoint,
        "max_attempts": 1,
    }


class TestAsActiveStorage:
    @pytest.fixture
    def socialflow_overrides(
        self, azurite_endpoint: str, azure_container: str, azurite_account: tuple[str, str]
    ) -> dict[str, Any]:
        section = azure_section(azurite_endpoint, azure_container, azurite_account[1])
        return {"storage": "azure", "plugin": {"azure": section}}

    def test_platform_uses_azure_and_is_ready(
        self, platform: Any, client: Any, azure_container: str
    ) -> None:
        assert isinstance(platform.storage, AzureBlobStorage)
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.text
        assert answer.json()["checks"]["storage"]["ok"] is True
        assert azure_container not in answer.text  # which part, never where


class TestBadKeyFailsDoctorAndReadiness:
    @pytest.fixture
    def socialflow_overrides(self, azurite_endpoint: str, azure_container: str) -> dict[str, Any]:
        section = azure_section(azurite_endpoint, azure_container, WRONG_KEY)
        return {"storage": "azure", "plugin": {"azure": section}}

    def test_readiness_and_doctor(self, platform: Any, client: Any, azure_container: str) -> None:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["failing"] == ["storage"]
        assert WRONG_KEY not in answer.text
        assert "access denied" not in answer.text  # the reason is in the log and doctor
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
        assert f"azure container {azure_container}" in result.stdout
        assert "access denied" in result.stdout
        assert WRONG_KEY not in result.stdout


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


def test_a_new_project_switched_to_azure_passes_doctor(
    tmp_path: Any, azurite_endpoint: str, azure_container: str, azurite_account: tuple[str, str]
) -> None:
    section = azure_section(azurite_endpoint, azure_container, azurite_account[1])
    switch_new_project_storage(tmp_path / "site", "azure", section)
    result = run_cli("doctor", "--project", str(tmp_path / "site"), "--no-broker")
    row = next(line for line in result.stdout.splitlines() if "storage (azure)" in line)
    assert "ok" in row, result.stdout
    assert f"azure container {azure_container}" in result.stdout
