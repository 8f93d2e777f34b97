"""Which recommender and viral model this platform uses, if any (found through hooks).

Both are optional: with no plugin installed the app serves its fallbacks
(trending, followed hashtags, shared hashtags, the early-engagement
heuristic). A name in settings that no plugin registers stops the start with
a message naming the setting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socialflow.core.platform import Platform
from socialflow.core.settings.base import SettingsError
from socialflow.plugins.learning import Recommender, ViralModel
from socialflow.recommendations.settings import recommendation_settings


@dataclass
class Models:
    """The platform's recommender and viral model (``None``: use the fallbacks)."""

    recommender: Recommender | None
    viral: ViralModel | None


def _choose(
    registered: list[dict[str, Callable[..., Any]]], wanted: str | None, setting: str, settings: Any
) -> Any:
    factories: dict[str, Callable[..., Any]] = {}
    for found in registered:
        factories.update(found or {})
    if wanted is None:
        if len(factories) != 1:
            return None
        wanted = next(iter(factories))
    if wanted not in factories:
        known = ", ".join(sorted(factories)) or "none installed"
        raise SettingsError(
            f"[plugin.recommendations] {setting} = {wanted!r}: no plugin registers it ({known})."
        )
    return factories[wanted](settings)


def build_models(platform: Platform) -> Models:
    config = recommendation_settings(platform)
    hook = platform.plugins.hook
    settings = platform.settings
    return Models(
        recommender=_choose(
            hook.socialflow_recommenders(settings=settings),
            config.recommender,
            "recommender",
            settings,
        ),
        viral=_choose(
            hook.socialflow_viral_models(settings=settings),
            config.viral_model,
            "viral_model",
            settings,
        ),
    )


def models(platform: Platform) -> Models:
    return platform.get(Models)
