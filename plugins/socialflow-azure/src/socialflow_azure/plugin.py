"""Registers the ``azure`` storage backend and the ``[plugin.azure]`` settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_azure.settings import SECTION, AzureSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_azure.backend import AzureBlobStorage


def make_azure_storage(settings: Settings) -> AzureBlobStorage:
    """Validate ``[plugin.azure]`` and build the backend; no network until first use."""
    from socialflow_azure.backend import AzureBlobStorage

    return AzureBlobStorage(settings.plugin_config(SECTION, AzureSettings))


@hookimpl
def socialflow_storage_backends() -> dict[str, object]:
    return {"azure": make_azure_storage}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[AzureSettings]]:
    return SECTION, AzureSettings
