"""Request and response shapes of ``/ads``. Amounts are integer minor units."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from socialflow.ads.models import AdTopUp, Campaign, CampaignEvent
from socialflow.core.http.examples import examples
from socialflow.core.http.schemas import StrictModel


class AdvertiserIn(StrictModel):
    model_config = examples({"name": "Trail Coffee", "currency": "usd"})

    name: str = Field(min_length=1, max_length=80)
    currency: str = Field(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")


class AdvertiserOut(BaseModel):
    model_config = examples(
        {"name": "Trail Coffee", "currency": "usd", "balance": 5000, "available": 4870}
    )

    name: str
    currency: str
    balance: int = Field(description="Prepaid balance in the ledger, minor units.")
    available: int = Field(description="Balance less spend counted but not yet posted.")


class TopUpIn(StrictModel):
    model_config = examples({"amount": 5000})

    amount: int = Field(gt=0, le=100_000_000, description="Minor units.")


class TopUpOut(BaseModel):
    model_config = examples({"id": 3, "amount": 5000, "currency": "usd", "status": "succeeded"})

    id: int
    amount: int
    currency: str
    status: Literal["pending", "succeeded", "failed"]

    @classmethod
    def of(cls, topup: AdTopUp) -> TopUpOut:
        assert topup.id is not None
        return cls(id=topup.id, amount=topup.amount, currency=topup.currency, status=topup.status)


CAMPAIGN_EXAMPLE = {
    "name": "Autumn roast",
    "total_budget": 20000,
    "daily_budget": 2000,
    "bid_type": "cpm",
    "bid": 250,
    "creative_kind": "video",
    "creative_id": "3f0c9a1e5b7d4c2a8e6f1b3d5c7a9e0f",
    "headline": "Roasted on the trail",
    "click_url": "https://example.com/autumn",
    "placements": ["home_feed"],
    "hashtags": ["coffee", "hiking"],
    "languages": ["en"],
    "min_age": 18,
}


class CampaignIn(StrictModel):
    model_config = examples(CAMPAIGN_EXAMPLE)

    name: str = Field(min_length=1, max_length=80)
    total_budget: int = Field(gt=0, le=10_000_000_000)
    daily_budget: int = Field(gt=0, le=10_000_000_000)
    bid_type: Literal["cpm", "cpc"]
    bid: int = Field(
        gt=0, le=1_000_000, description="Minor units per 1000 impressions or per click."
    )
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    creative_kind: Literal["video", "image"]
    creative_id: str = Field(min_length=1, max_length=32)
    headline: str = Field(default="", max_length=120)
    click_url: str = Field(max_length=500, pattern=r"^https?://")
    placements: list[Literal["home_feed", "video", "profile"]] = Field(min_length=1, max_length=3)
    hashtags: list[str] = Field(default_factory=list, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=20)
    frequency_cap: int | None = Field(default=None, ge=1, le=100)
    min_age: int | None = Field(
        default=None,
        ge=13,
        le=99,
        description="Only viewers at least this old (from the date of birth on their own "
        "account) see the campaign; viewers of unknown age never do.",
    )


class CampaignOut(BaseModel):
    model_config = examples(
        {**CAMPAIGN_EXAMPLE, "id": 7, "status": "active", "currency": "usd", "spent": 1234}
    )

    id: int
    name: str
    status: str
    currency: str
    total_budget: int
    daily_budget: int
    bid_type: str
    bid: int
    creative_kind: str
    creative_id: str
    headline: str
    click_url: str
    placements: list[str]
    hashtags: list[str]
    languages: list[str]
    min_age: int | None = None
    spent: int = Field(description="Counted spend, whole minor units.")

    @classmethod
    def of(cls, c: Campaign) -> CampaignOut:
        assert c.id is not None
        return cls(
            id=c.id,
            name=c.name,
            status=c.status,
            currency=c.currency,
            total_budget=c.total_budget,
            daily_budget=c.daily_budget,
            bid_type=c.bid_type,
            bid=c.bid,
            creative_kind=c.creative_kind,
            creative_id=c.creative_id,
            headline=c.headline,
            click_url=c.click_url,
            placements=c.placements,
            hashtags=c.hashtags,
            languages=c.languages,
            min_age=c.min_age,
            spent=c.spent_micros // 1000,
        )


class CampaignEventOut(BaseModel):
    model_config = examples(
        {
            "from_status": "pending_review",
            "to_status": "active",
            "actor_id": 2,
            "reason": "",
            "at": "2026-12-07T10:00:00+00:00",
        }
    )

    from_status: str
    to_status: str
    actor_id: int | None
    reason: str
    at: datetime

    @classmethod
    def of(cls, e: CampaignEvent) -> CampaignEventOut:
        return cls(
            from_status=e.from_status,
            to_status=e.to_status,
            actor_id=e.actor_id,
            reason=e.reason,
            at=e.created_at,
        )


class ReviewIn(StrictModel):
    model_config = examples(
        {"decision": "approve"}, {"decision": "reject", "reason": "Misleading claim."}
    )

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500)


class AdOut(BaseModel):
    model_config = examples(
        {
            "campaign_id": 7,
            "advertiser_id": 12,
            "headline": "Roasted on the trail",
            "creative": {"kind": "video", "id": "3f0c9a1e5b7d4c2a8e6f1b3d5c7a9e0f"},
            "click_url": "https://example.com/autumn",
            "token": "eyJjYW1wYWlnbl9pZCI6N30.c2ln",
        }
    )

    campaign_id: int
    advertiser_id: int
    headline: str
    creative: dict[str, str]
    click_url: str
    token: str = Field(description="Post it to /ads/events when the ad is seen or clicked.")


class EventIn(StrictModel):
    model_config = examples({"token": "eyJjYW1wYWlnbl9pZCI6N30.c2ln", "kind": "impression"})

    token: str = Field(min_length=10, max_length=2000)
    kind: Literal["impression", "click"]


class EventOut(BaseModel):
    model_config = examples({"counted": True, "reason": "counted"})

    counted: bool
    reason: str


class ReportRow(BaseModel):
    model_config = examples(
        {
            "day": "2026-12-07",
            "impressions": 1200,
            "clicks": 18,
            "ctr": "1.50%",
            "spend": 300,
            "reach": 950,
        }
    )

    day: str
    impressions: int
    clicks: int
    ctr: str = Field(description="Clicks per impression, a percentage with two decimals.")
    spend: int
    reach: int
