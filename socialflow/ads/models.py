"""The ads app's tables: advertisers, campaigns and their audit trail, counted events.

Money *held* (an advertiser's prepaid balance, ad revenue, creators' shares)
lives only in the payments ledger. These tables say why it moved and keep
the counters spend is measured by: ``ad_campaign_days`` holds each
campaign's spend per UTC day in *micros* (thousandths of a minor unit, so a
CPM price per impression stays an integer) and how much of it the ledger
already has (``posted_micros``); the spend batch posts the difference.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import UTCDateTime, created_at_field, datetime_field


def _user_fk(*, index: bool = True, primary_key: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=index and not primary_key,
        primary_key=primary_key,
    )


def _campaign_fk(*, primary_key: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey("ad_campaigns.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=not primary_key,
    )


class Advertiser(SQLModel, table=True):
    """A user who buys ads; one per user, with the currency of their prepaid balance."""

    __tablename__ = "ad_advertisers"

    user_id: int = Field(sa_column=_user_fk(primary_key=True))
    name: str = Field(max_length=80, nullable=False)
    currency: str = Field(max_length=3, nullable=False)
    created_at: datetime = created_at_field()


class AdTopUp(SQLModel, table=True):
    """Money an advertiser paid in through the payment provider (pending until it answers)."""

    __tablename__ = "ad_topups"

    id: int | None = Field(default=None, primary_key=True)
    advertiser_id: int = Field(sa_column=_user_fk())
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3, nullable=False)
    status: str = Field(default="pending", max_length=16, nullable=False)
    idempotency_key: str = Field(sa_column=Column(String(120), unique=True, nullable=False))
    provider_ref: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at_field()


class Campaign(SQLModel, table=True):
    """A campaign: budgets (minor units), schedule, bid, one creative, targeting, status."""

    __tablename__ = "ad_campaigns"
    __table_args__ = (Index("ix_ad_campaigns_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    advertiser_id: int = Field(sa_column=_user_fk())
    name: str = Field(max_length=80, nullable=False)
    status: str = Field(default="draft", max_length=16, nullable=False)
    currency: str = Field(max_length=3, nullable=False)
    total_budget: int = Field(sa_column=Column(BigInteger, nullable=False))
    daily_budget: int = Field(sa_column=Column(BigInteger, nullable=False))
    bid_type: str = Field(max_length=3, nullable=False)  # cpm | cpc
    bid: int = Field(nullable=False)  # minor units per 1000 impressions (cpm) or per click
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime | None = datetime_field()
    creative_kind: str = Field(max_length=8, nullable=False)  # video | image
    creative_id: str = Field(max_length=32, nullable=False)
    headline: str = Field(default="", max_length=120)
    click_url: str = Field(max_length=500, nullable=False)
    placements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hashtags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    frequency_cap: int | None = Field(default=None)
    # Viewers younger, or of unknown age (no date of birth, signed out), never see it.
    min_age: int | None = Field(default=None)
    spent_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()


class CampaignEvent(SQLModel, table=True):
    """The audit trail: every status change of a campaign, who made it and why."""

    __tablename__ = "ad_campaign_events"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=_campaign_fk())
    actor_id: int | None = Field(default=None)
    from_status: str = Field(max_length=16, nullable=False)
    to_status: str = Field(max_length=16, nullable=False)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = created_at_field()


class CampaignDay(SQLModel, table=True):
    """A campaign's counters for one UTC day; spend in micros (1/1000 minor unit)."""

    __tablename__ = "ad_campaign_days"

    campaign_id: int = Field(sa_column=_campaign_fk(primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    impressions: int = Field(default=0, nullable=False)
    clicks: int = Field(default=0, nullable=False)
    spent_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    posted_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class AdReach(SQLModel, table=True):
    """Counted impressions of one campaign to one viewer on one day (caps and reach)."""

    __tablename__ = "ad_reach"
    __table_args__ = (Index("ix_ad_reach_viewer_day", "viewer_id", "day"),)

    campaign_id: int = Field(sa_column=_campaign_fk(primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    viewer_id: int = Field(sa_column=Column(Integer, primary_key=True))
    impressions: int = Field(default=0, nullable=False)


class AdTokenUse(SQLModel, table=True):
    """A tracking token used for an impression or a click: a second use is a replay."""

    __tablename__ = "ad_token_uses"

    nonce: str = Field(sa_column=Column(String(32), primary_key=True))
    kind: str = Field(sa_column=Column(String(10), primary_key=True))
    campaign_id: int = Field(sa_column=_campaign_fk())
    counted: bool = Field(default=False, nullable=False)
    created_at: datetime = created_at_field()


class AdDedup(SQLModel, table=True):
    """One counted event per viewer, campaign, placement, kind and dedup window."""

    __tablename__ = "ad_dedup"

    campaign_id: int = Field(sa_column=_campaign_fk(primary_key=True))
    viewer_id: int = Field(sa_column=Column(Integer, primary_key=True))
    placement: str = Field(sa_column=Column(String(32), primary_key=True))
    kind: str = Field(sa_column=Column(String(10), primary_key=True))
    window: int = Field(sa_column=Column(BigInteger, primary_key=True))


class CreatorShare(SQLModel, table=True):
    """A creator's accrued share of ad spend beside their content, per currency (micros)."""

    __tablename__ = "ad_creator_shares"

    creator_id: int = Field(sa_column=_user_fk(primary_key=True))
    currency: str = Field(sa_column=Column(String(3), primary_key=True))
    accrued_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    posted_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class CreatorOptOut(SQLModel, table=True):
    """A creator who wants no ads beside their content."""

    __tablename__ = "ad_creator_optouts"

    creator_id: int = Field(sa_column=_user_fk(primary_key=True))
    created_at: datetime = created_at_field()


def table(model: Any) -> Any:
    """The Core table of a model (for inserts and conditional updates)."""
    return model.__table__
