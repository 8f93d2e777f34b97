"""The recommendations app's settings: the ``[plugin.recommendations]`` section.

Values come from ``[plugin.recommendations]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__RECOMMENDATIONS__<FIELD>``, validated at start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "recommendations"


class RecommendationSettings(BaseModel):
    """Log retention and batching, training cadence, the models used, A/B arms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(
        default=60, ge=1, le=3650, description="Whole days of impression and engagement logs kept."
    )
    prune_interval: int = Field(
        default=86400, ge=60, description="How often beat queues the log pruning, seconds."
    )
    train_interval: int = Field(
        default=21600,
        ge=60,
        description="How often beat queues recommender training (ALS), seconds.",
    )
    flush_rows: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Impressions buffered in a process before one batched insert.",
    )
    flush_seconds: float = Field(
        default=5.0,
        ge=0.0,
        le=3600.0,
        description="Longest time an impression waits in the buffer, seconds (0: write at once).",
    )
    recommender: str | None = Field(
        default=None,
        description="Recommender to use by name (`socialflow_recommenders`); unset: the only "
        "one installed, or the built-in fallbacks when none is.",
    )
    viral_model: str | None = Field(
        default=None,
        description="Viral model by name (`socialflow_viral_models`); unset: the only one "
        "installed, or the built-in heuristic.",
    )
    ab_arms: list[str] = Field(
        default_factory=list,
        description='Rankers of the `ab` ranker\'s arms (`ranker = "ab"`); each viewer is '
        "assigned one by a hash of their id.",
    )
    ab_salt: str = Field(
        default="ab1",
        max_length=64,
        description="Changes every viewer's arm when changed (a new experiment).",
    )
    viral_hours: float = Field(
        default=1.0,
        gt=0,
        le=24,
        description="Early window read by viral prediction: engagement in a post's first hours.",
    )
    viral_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Probability from which a post is flagged as viral."
    )


def recommendation_settings(platform: Platform) -> RecommendationSettings:
    """The platform's settings for this app, validated once (attached at platform start)."""
    return platform.get(RecommendationSettings)
