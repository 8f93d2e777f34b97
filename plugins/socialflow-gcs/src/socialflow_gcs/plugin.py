"""Registers the ``gcs`` storage backend and the ``[plugin.gcs]`` settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_gcs.settings import SECTION, GCSSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_gcs.backend import GCSStorage


def make_gcs_storage(settings: Settings) -> GCSStorage:
    """Validate ``[plugin.gcs]`` and build the backend; no network until first use."""
    from socialflow_gcs.backend import GCSStorage

    return GCSStorage(settings.plugin_config(SECTION, GCSSettings))


@hookimpl
def socialflow_storage_backends() -> dict[str, object]:
    return {"gcs": make_gcs_storage}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[GCSSettings]]:
    return SECTION, GCSSettings
