"""Hooks: the ``ivs`` streaming provider and its ``[plugin.ivs]`` settings."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel
from socialflow.core.settings import Settings
from socialflow.plugins.specs import hookimpl

from socialflow_ivs.provider import IvsStreaming
from socialflow_ivs.settings import SECTION, IvsSettings


def make_ivs(settings: Settings) -> IvsStreaming:
    return IvsStreaming(settings.plugin_config(SECTION, IvsSettings))


@hookimpl
def socialflow_streaming_providers() -> dict[str, Callable[[Settings], IvsStreaming]]:
    return {"ivs": make_ivs}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return SECTION, IvsSettings
