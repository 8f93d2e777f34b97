"""Request and response shapes of ``/payments``. Amounts are integer minor units."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from socialflow.core.db.base import iso_or_none
from socialflow.core.http.schemas import StrictModel
from socialflow.payments.models import Charge, Payout, Refund, Subscription, Tier

Currency = Field(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")


class TierCreate(StrictModel):
    name: str = Field(min_length=1, max_length=80)
    price: int = Field(gt=0, le=100_000_000, description="Minor units (cents).")
    currency: str = Currency
    interval: Literal["month", "year"] = "month"
    perks: str = Field(default="", max_length=2000)
    trial_days: int = Field(default=0, ge=0, le=365)


class TierOut(BaseModel):
    id: int
    creator_id: int
    name: str
    price: int
    currency: str
    interval: str
    perks: str
    trial_days: int
    active: bool

    @classmethod
    def of(cls, tier: Tier) -> TierOut:
        return cls(**tier.model_dump(include=set(cls.model_fields)))


class TierList(BaseModel):
    items: list[TierOut]


class SubscribeIn(StrictModel):
    tier_id: int = Field(ge=1, le=2**31 - 1)


class CancelIn(StrictModel):
    at_period_end: bool = True


class UpgradeIn(StrictModel):
    tier_id: int = Field(ge=1, le=2**31 - 1)


class SubscriptionOut(BaseModel):
    id: int
    fan_id: int
    creator_id: int
    tier_id: int
    status: str
    price: int
    currency: str
    interval: str
    current_period_start: str
    current_period_end: str
    cancel_at_period_end: bool
    failed_attempts: int
    next_attempt_at: str | None
    test_mode: bool = False

    @classmethod
    def of(cls, sub: Subscription, *, test_mode: bool = False) -> SubscriptionOut:
        data: dict[str, Any] = sub.model_dump(include=set(cls.model_fields) - {"test_mode"})
        data.update(
            current_period_start=iso_or_none(sub.current_period_start),
            current_period_end=iso_or_none(sub.current_period_end),
            next_attempt_at=iso_or_none(sub.next_attempt_at),
            test_mode=test_mode,
        )
        return cls(**data)


class SubscriptionPage(BaseModel):
    items: list[SubscriptionOut]
    next_cursor: str | None = None


class TipIn(StrictModel):
    to: str = Field(min_length=1, max_length=30, description="The creator's username.")
    amount: int = Field(gt=0, le=100_000_000)
    currency: str = Currency
    post_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    video_id: str | None = Field(default=None, min_length=1, max_length=32)
    message: str = Field(default="", max_length=280)


class ChargeOut(BaseModel):
    id: int
    kind: str
    payer_id: int
    creator_id: int
    amount: int
    fee: int
    currency: str
    status: str
    target_type: str | None
    target_id: str | None
    message: str
    test_mode: bool
    created_at: str

    @classmethod
    def of(cls, charge: Charge) -> ChargeOut:
        data: dict[str, Any] = charge.model_dump(include=set(cls.model_fields))
        data["created_at"] = iso_or_none(charge.created_at)
        return cls(**data)


class ChargePage(BaseModel):
    items: list[ChargeOut]
    next_cursor: str | None = None


class RefundIn(StrictModel):
    amount: int | None = Field(default=None, gt=0, le=100_000_000)
    reason: str = Field(default="", max_length=200)


class RefundOut(BaseModel):
    id: int
    charge_id: int
    amount: int
    fee_part: int
    status: str
    reason: str
    created_at: str

    @classmethod
    def of(cls, refund: Refund) -> RefundOut:
        data: dict[str, Any] = refund.model_dump(include=set(cls.model_fields))
        data["created_at"] = iso_or_none(refund.created_at)
        return cls(**data)


class CurrencyEarnings(BaseModel):
    currency: str
    pending: int
    available: int
    in_transit: int
    gross: int
    fees: int
    refunded: int
    disputed: int
    paid_out: int


class EarningsOut(BaseModel):
    items: list[CurrencyEarnings]
    platform_fee_bps: int
    pending_days: float
    payout_schedule: str
    payout_minimum: int


class PayoutIn(StrictModel):
    currency: str = Currency


class PayoutOut(BaseModel):
    id: int
    amount: int
    currency: str
    status: str
    failure: str | None
    created_at: str
    settled_at: str | None

    @classmethod
    def of(cls, payout: Payout) -> PayoutOut:
        data: dict[str, Any] = payout.model_dump(include=set(cls.model_fields))
        data.update(
            created_at=iso_or_none(payout.created_at), settled_at=iso_or_none(payout.settled_at)
        )
        return cls(**data)


class PayoutPage(BaseModel):
    items: list[PayoutOut]
    next_cursor: str | None = None


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool
