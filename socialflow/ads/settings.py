"""The ads app's settings: the ``[plugin.ads]`` section.

Values come from ``[plugin.ads]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__ADS__<FIELD>``, validated when the platform starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "ads"


class AdSettings(BaseModel):
    """Serving, pacing, counting and the creators' share."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feed_interval: int = Field(
        default=8, ge=2, le=100, description="One ad after every this many posts in home feeds."
    )
    frequency_cap: int = Field(
        default=3,
        ge=1,
        description="Most counted impressions of one campaign per viewer per UTC day "
        "(a campaign may set a lower cap).",
    )
    dedup_window_seconds: int = Field(
        default=600,
        ge=1,
        description="Impressions (and clicks) of one campaign by one viewer in one placement "
        "within this window count once.",
    )
    token_ttl_seconds: int = Field(
        default=3600, ge=10, description="How long a tracking token from a served ad is good."
    )
    pacing_slack_seconds: int = Field(
        default=900,
        ge=0,
        description="How far ahead of even pacing a campaign may spend its daily budget: at "
        "time t of the day it may have spent budget * (t + slack) / 24h.",
    )
    batch_interval: int = Field(
        default=60,
        ge=1,
        description="How often Celery beat posts counted spend to the ledger, seconds.",
    )
    index_refresh_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How long a serving process reuses its snapshot of live campaigns.",
    )
    creator_share_bps: int = Field(
        default=5000,
        ge=0,
        le=10_000,
        description="The creator's share of ad spend beside their content, basis points.",
    )
    default_ctr_bps: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Click-through rate assumed for a CPC bid's effective CPM, basis points.",
    )
    min_bid: int = Field(default=1, ge=1, description="Smallest bid, minor units.")
    sensitive_hashtags: list[str] = Field(
        default_factory=list,
        description="Posts with any of these hashtags get no ads beside them.",
    )
    currencies: list[str] = Field(
        default_factory=lambda: ["usd", "eur", "gbp", "jpy"],
        description="ISO 4217 codes (lower case) advertisers may hold a balance in.",
    )


def ad_settings(platform: Platform) -> AdSettings:
    """The platform's ads settings, validated once (attached at platform start)."""
    return platform.get(AdSettings)
