"""Registers the ``s3`` storage backend and the ``[plugin.s3]`` settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_s3.settings import SECTION, S3Settings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_s3.backend import S3Storage


def make_s3_storage(settings: Settings) -> S3Storage:
    """Validate ``[plugin.s3]`` and build the backend; no network until first use."""
    from socialflow_s3.backend import S3Storage

    return S3Storage(settings.plugin_config(SECTION, S3Settings))


@hookimpl
def socialflow_storage_backends() -> dict[str, object]:
    return {"s3": make_s3_storage}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[S3Settings]]:
    return SECTION, S3Settings
