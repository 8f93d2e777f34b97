"""The ``popular`` ranker: engagement, halved every ``half_life_hours`` of age.

Select it with ``ranker = "popular"`` in ``socialflow.toml``; tune it in
``[plugin.popular]``. Everything a plugin needs is here: a provider object
satisfying :class:`socialflow.plugins.protocols.Ranker`, a settings model,
and two hook implementations.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from socialflow import hookimpl
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import FeedCandidate, FeedContext

SECTION = "popular"


class PopularitySettings(BaseModel):
    """``[plugin.popular]``: how much each signal counts and how fast posts age."""

    model_config = ConfigDict(extra="forbid")

    half_life_hours: float = Field(default=6.0, gt=0)
    like_weight: float = Field(default=1.0, ge=0)
    comment_weight: float = Field(default=3.0, ge=0)
    share_weight: float = Field(default=5.0, ge=0)


class PopularityRanker:
    """Score = weighted engagement + 1, times 0.5 ** (age / half-life); ties by post id."""

    name = "popular"

    def __init__(self, config: PopularitySettings) -> None:
        self.config = config

    def score(self, candidate: FeedCandidate, context: FeedContext) -> float:
        cfg = self.config
        engagement = (
            1
            + cfg.like_weight * candidate.like_count
            + cfg.comment_weight * candidate.comment_count
            + cfg.share_weight * candidate.share_count
        )
        age_hours = max(0.0, (context.now - candidate.created_at).total_seconds() / 3600)
        return engagement * 0.5 ** (age_hours / cfg.half_life_hours)

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        return sorted(candidates, key=lambda c: (-self.score(c, context), c.post_id))


def make_popular(settings: Settings) -> PopularityRanker:
    return PopularityRanker(settings.plugin_config(SECTION, PopularitySettings))


@hookimpl
def socialflow_rankers() -> dict[str, object]:
    return {"popular": make_popular}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[PopularitySettings]]:
    return SECTION, PopularitySettings
