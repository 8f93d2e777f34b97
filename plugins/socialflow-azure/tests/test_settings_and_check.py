"""Settings come from ``[plugin.azure]``; ``check()``, readiness and doctor name what is wrong.

The checks every storage plugin owes its operators come from socialflow's
:class:`~socialflow.testing.storage_checks.StorageCheckSuite`; what is
particular to Azure (the prefix in the description, read-only SAS) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from socialflow.testing.processes import free_port
from socialflow.testing.storage_checks import StorageCheckSuite

from socialflow_azure import AzureBlobStorage, AzureSettings

WRONG_KEY = "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBrZXkgbWF0ZXJpYWwgZm9yIHRoZSB0ZXN0cw=="


class TestAzureChecks(StorageCheckSuite):
    """Against Azurite, which checks shared-key signatures: a wrong key is refused."""

    storage_name = "azure"
    place = "container"
    place_key = "container"
    settings_model = AzureSettings
    backend_class = AzureBlobStorage
    bad_settings = (
        ({"container": "media"}, "connection_string"),
        ({"container": "Bad_Name", "connection_string": "x"}, "plugin.azure.container"),
        ({"container": "media", "connection_string": "x", "account_name": "a"}, "not both"),
    )

    @pytest.fixture
    def working_section(
        self,
        azurite_endpoint: str,
        azure_container: str,
        make_section: Callable[..., dict[str, Any]],
    ) -> dict[str, Any]:
        section = make_section(azure_container, account_url=azurite_endpoint)
        return {**section, "max_attempts": 1}

    @pytest.fixture
    def bad_credentials_section(self, working_section: dict[str, Any]) -> dict[str, Any]:
        return {**working_section, "account_key": WRONG_KEY}

    @pytest.fixture
    def unreachable_section(
        self, working_section: dict[str, Any], azurite_account: tuple[str, str]
    ) -> dict[str, Any]:
        return {
            **working_section,
            "account_url": f"http://127.0.0.1:{free_port()}/{azurite_account[0]}",
        }


def test_check_describes_the_prefix(
    azure_container: str, azurite_endpoint: str, make_settings: Callable[..., AzureSettings]
) -> None:
    described = AzureBlobStorage(make_settings(azure_container, prefix="x/")).check()
    assert described.startswith(f"azure container {azure_container} at {azurite_endpoint}")
    assert "prefix x/" in described


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
