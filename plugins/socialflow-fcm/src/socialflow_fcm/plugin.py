"""Registers the ``fcm`` notification channel, ``[plugin.fcm]`` and ``socialflow fcm check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_fcm.settings import SECTION, FcmSettings

if TYPE_CHECKING:
    import typer
    from socialflow.core.settings import Settings

    from socialflow_fcm.channel import FcmChannel


def make_fcm_channel(settings: Settings) -> FcmChannel:
    """Validate ``[plugin.fcm]``, read the key and build the channel; no network yet."""
    from socialflow_fcm.channel import FcmChannel

    return FcmChannel(settings.plugin_config(SECTION, FcmSettings))


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"fcm": make_fcm_channel}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[FcmSettings]]:
    return SECTION, FcmSettings


@hookimpl
def socialflow_cli(app: typer.Typer) -> None:
    from socialflow_fcm.cli import register

    register(app)
