"""Registers the ``ml`` moderator and ``[plugin.moderation_ml]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_moderation_ml.settings import SECTION, ModerationMlSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_moderation_ml.moderator import MlModerator


def make_ml_moderator(settings: Settings) -> MlModerator:
    """Validate ``[plugin.moderation_ml]`` and build the moderator (models load lazily)."""
    from socialflow_moderation_ml.moderator import MlModerator

    return MlModerator(settings.plugin_config(SECTION, ModerationMlSettings))


@hookimpl
def socialflow_moderators() -> dict[str, object]:
    return {"ml": make_ml_moderator}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[ModerationMlSettings]]:
    return SECTION, ModerationMlSettings
