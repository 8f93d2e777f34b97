"""Azurite (the Azure Storage emulator, from npm) on 127.0.0.1 for the test session.

Azurite is installed into this plugin's ``node_modules`` by ``npm install``
(``package.json`` here pins it); the session runs that install itself when
it is missing, so ``pytest`` alone works on a machine with node and npm.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from socialflow.testing.processes import background_service, free_port
from socialflow.testing.services import skip_or_fail

from socialflow_azure import AzureBlobStorage, AzureSettings

PLUGIN_DIR = Path(__file__).resolve().parents[1]
# Azurite's well-known development account (public, documented by Microsoft).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def azurite_blob_binary() -> Path:
    binary = PLUGIN_DIR / "node_modules" / ".bin" / "azurite-blob"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("npm is not installed; Azurite comes from npm (apt-get install nodejs npm)")
    assert npm is not None
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund"],
        cwd=PLUGIN_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not binary.exists():
        skip_or_fail(f"npm install of azurite failed: {done.stderr[-2000:]}")
    return binary


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The blob endpoint of a fresh, on-disk Azurite (it enforces SAS signatures and expiry)."""
    binary = azurite_blob_binary()
    port = free_port()
    folder = tmp_path_factory.mktemp("azurite")
    command = [
        str(binary),
        "--blobHost", "127.0.0.1",
        "--blobPort", str(port),
        "--location", str(folder / "data"),
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
    ]  # fmt: skip
    with background_service(command, port=port, log=folder / "azurite.log"):
        yield f"http://127.0.0.1:{port}/{ACCOUNT}"


def connection_string(endpoint: str, key: str = ACCOUNT_KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={endpoint};"
    )


@pytest.fixture(scope="session")
def make_settings(azurite_endpoint: str) -> Callable[..., AzureSettings]:
    """``make_settings(container, **extra)`` -> settings using Azurite's connection string."""

    def make(container: str, **extra: Any) -> AzureSettings:
        return AzureSettings(
            container=container,
            connection_string=connection_string(azurite_endpoint),  # type: ignore[arg-type]
            max_attempts=1,
            **extra,
        )

    return make


@pytest.fixture(scope="session")
def make_section() -> Callable[..., dict[str, Any]]:
    """``make_section(container, account_url=..., **extra)`` -> an ``[plugin.azure]`` section
    with Azurite's development account and key."""

    def make(container: str, **extra: Any) -> dict[str, Any]:
        return {
            "container": container,
            "account_name": ACCOUNT,
            "account_key": ACCOUNT_KEY,
            **extra,
        }

    return make


@pytest.fixture(scope="session")
def azure_container(make_settings: Callable[..., AzureSettings]) -> str:
    container = f"media-{uuid.uuid4().hex[:12]}"
    AzureBlobStorage(make_settings(container)).container.create_container()
    return container


@pytest.fixture(scope="session")
def azurite_account() -> tuple[str, str]:
    """Azurite's development account name and key."""
    return ACCOUNT, ACCOUNT_KEY
