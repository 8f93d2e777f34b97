"""socialflow-azure passes socialflow's storage conformance suite against Azurite.

Azurite checks SAS signatures and expiry itself, so signed URLs are fetched
over plain HTTP with the suite's default fetcher.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from socialflow.testing.conformance import StorageConformance

from socialflow_azure import AzureBlobStorage, AzureSettings


class TestAzureBlobStorage(StorageConformance):
    @pytest.fixture
    def backend(
        self,
        azure_container: str,
        azurite_endpoint: str,
        make_settings: Callable[..., AzureSettings],
    ) -> AzureBlobStorage:
        self.check_mentions = (azure_container, azurite_endpoint)
        return AzureBlobStorage(make_settings(azure_container))


class TestAzureWithAccountKeyAndPrefix(StorageConformance):
    """account_name + account_key + account_url instead of a connection string, and a prefix."""

    multipart_part_count = 2

    @pytest.fixture
    def backend(
        self, azure_container: str, azurite_endpoint: str, azurite_account: tuple[str, str]
    ) -> AzureBlobStorage:
        account, key = azurite_account
        return AzureBlobStorage(
            AzureSettings(
                container=azure_container,
                account_name=account,
                account_key=key,  # type: ignore[arg-type]
                account_url=azurite_endpoint,
                prefix="tenant-b/",
                block_size=1024 * 1024,
            )
        )
