"""The analytics app's settings: the ``[plugin.analytics]`` section.

Values come from ``[plugin.analytics]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__ANALYTICS__<FIELD>``, validated when the platform starts
(unknown keys refused) and read with :func:`analytics_settings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "analytics"


class AnalyticsSettings(BaseModel):
    """How often rollups run, how long raw events are kept, how fine retention curves are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rollup_interval: int = Field(
        default=900,
        ge=10,
        description="How often Celery beat queues the rollup of new raw events into the "
        "hourly and daily tables, seconds.",
    )
    sweep_interval: int = Field(
        default=86400,
        ge=60,
        description="How often Celery beat queues the sweep of raw events past their "
        "retention, seconds.",
    )
    raw_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Raw events are kept this many whole days (then only the rollups "
        "remain); a backfill (`socialflow analytics rollup --since`) reaches no further back.",
    )
    retention_bucket_seconds: int = Field(
        default=1,
        ge=1,
        le=3600,
        description="Width of a retention-curve bucket, seconds of video.",
    )
    rollup_batch_size: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Raw events one rollup transaction takes at most (it loops until done).",
    )
    flush_batch_size: int = Field(
        default=5000,
        ge=1,
        le=100_000,
        description="Raw events an API process writes per INSERT: its buffer is written "
        "when this many wait, or every flush_interval seconds.",
    )
    flush_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds raw events wait at most in an API process's buffer before "
        "being written (a killed process loses up to this much; a clean stop nothing).",
    )
    buffer_capacity: int = Field(
        default=200_000,
        ge=1,
        le=10_000_000,
        description="Raw events an API process's buffer holds at most; past it new events "
        "are dropped and counted on socialflow_analytics_events_shed_total.",
    )
    country_header: str = Field(
        default="",
        max_length=64,
        pattern=r"^[A-Za-z0-9-]*$",
        description="Request header carrying the viewer's country (ISO 3166-1 alpha-2), set "
        "by the proxy in front (CF-IPCountry, X-Country-Code); believed only on requests "
        "whose direct peer is one of trusted_proxies. Empty: countries are not recorded.",
    )
    region_header: str = Field(
        default="",
        max_length=64,
        pattern=r"^[A-Za-z0-9-]*$",
        description="Request header carrying the viewer's region (ISO 3166-2 subdivision "
        "code without the country, such as CA or BY), same trust rule; empty: none.",
    )


def analytics_settings(platform: Platform) -> AnalyticsSettings:
    """The platform's analytics settings, validated once (attached at platform start)."""
    return platform.get(AnalyticsSettings)
