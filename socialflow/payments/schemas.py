"""Request and response shapes of ``/payments``. Amounts are integer minor units.

The examples are in minor units of a lower-case ISO 4217 currency (``499`` in
``usd`` is $4.99), with the default 10% platform fee.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from socialflow.core.db.base import iso_or_none
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.payments.models import Charge, Payout, Refund, Subscription, Tier

Currency = Field(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")


class TierCreate(StrictModel):
    model_config = examples(
        {
            "name": "Supporter",
            "price": 499,
            "currency": "usd",
            "interval": "month",
            "perks": "Subscriber-only ride videos and early access to new edits.",
            "trial_days": 7,
        },
        {"name": "Patron (yearly)", "price": 4900, "currency": "eur", "interval": "year"},
    )

    name: str = Field(min_length=1, max_length=80)
    price: int = Field(gt=0, le=100_000_000, description="Minor units (cents).")
    currency: str = Currency
    interval: Literal["month", "year"] = "month"
    perks: str = Field(default="", max_length=2000)
    trial_days: int = Field(default=0, ge=0, le=365)


class TierOut(BaseModel):
    model_config = examples(
        {
            "id": 12,
            "creator_id": 42,
            "name": "Supporter",
            "price": 499,
            "currency": "usd",
            "interval": "month",
            "perks": "Subscriber-only ride videos and early access to new edits.",
            "trial_days": 7,
            "active": True,
        }
    )

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
    model_config = examples({"items": [example_of(TierOut)]})

    items: list[TierOut]


class SubscribeIn(StrictModel):
    model_config = examples({"tier_id": 12})

    tier_id: int = Field(ge=1, le=2**31 - 1)


class CancelIn(StrictModel):
    model_config = examples({"at_period_end": True}, {"at_period_end": False})

    at_period_end: bool = True


class UpgradeIn(StrictModel):
    model_config = examples({"tier_id": 14})

    tier_id: int = Field(ge=1, le=2**31 - 1)


class SubscriptionOut(BaseModel):
    model_config = examples(
        {
            "id": 318,
            "fan_id": 7,
            "creator_id": 42,
            "tier_id": 12,
            "status": "active",
            "price": 499,
            "currency": "usd",
            "interval": "month",
            "current_period_start": "2026-11-14T10:02:31+00:00",
            "current_period_end": "2026-12-14T10:02:31+00:00",
            "cancel_at_period_end": False,
            "failed_attempts": 0,
            "next_attempt_at": None,
            "test_mode": False,
        },
        {
            "id": 319,
            "fan_id": 9,
            "creator_id": 42,
            "tier_id": 12,
            "status": "past_due",
            "price": 499,
            "currency": "usd",
            "interval": "month",
            "current_period_start": "2026-11-20T16:45:00+00:00",
            "current_period_end": "2026-12-20T16:45:00+00:00",
            "cancel_at_period_end": False,
            "failed_attempts": 1,
            "next_attempt_at": "2026-11-21T16:45:00+00:00",
            "test_mode": False,
        },
    )

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
    model_config = examples({"items": [example_of(SubscriptionOut)], "next_cursor": "318"})

    items: list[SubscriptionOut]
    next_cursor: str | None = None


class TipIn(StrictModel):
    model_config = examples(
        {
            "to": "alice",
            "amount": 500,
            "currency": "usd",
            "post_id": 1001,
            "message": "That ridge line was unreal!",
        },
        {"to": "alice", "amount": 300, "currency": "eur", "video_id": "v_8Jx2kQ"},
    )

    to: str = Field(min_length=1, max_length=30, description="The creator's username.")
    amount: int = Field(gt=0, le=100_000_000)
    currency: str = Currency
    post_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    video_id: str | None = Field(default=None, min_length=1, max_length=32)
    message: str = Field(default="", max_length=280)


class ChargeOut(BaseModel):
    model_config = examples(
        {
            "id": 2051,
            "kind": "tip",
            "payer_id": 7,
            "creator_id": 42,
            "amount": 500,
            "fee": 50,
            "currency": "usd",
            "status": "succeeded",
            "target_type": "post",
            "target_id": "1001",
            "message": "That ridge line was unreal!",
            "test_mode": False,
            "created_at": "2026-12-01T18:22:07+00:00",
        },
        {
            "id": 2050,
            "kind": "subscription",
            "payer_id": 7,
            "creator_id": 42,
            "amount": 499,
            "fee": 50,
            "currency": "usd",
            "status": "succeeded",
            "target_type": None,
            "target_id": None,
            "message": "",
            "test_mode": False,
            "created_at": "2026-11-14T10:02:31+00:00",
        },
    )

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
    model_config = examples({"items": [example_of(ChargeOut)], "next_cursor": "2051"})

    items: list[ChargeOut]
    next_cursor: str | None = None


class RefundIn(StrictModel):
    model_config = examples(
        {"amount": 250, "reason": "Tipped twice by mistake"},
        {"reason": "Fan asked for a refund"},
    )

    amount: int | None = Field(default=None, gt=0, le=100_000_000)
    reason: str = Field(default="", max_length=200)


class RefundOut(BaseModel):
    model_config = examples(
        {
            "id": 77,
            "charge_id": 2051,
            "amount": 250,
            "fee_part": 25,
            "status": "succeeded",
            "reason": "Tipped twice by mistake",
            "created_at": "2026-12-02T09:15:44+00:00",
        }
    )

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
    model_config = examples(
        {
            "currency": "usd",
            "pending": 12040,
            "available": 25430,
            "in_transit": 0,
            "gross": 48910,
            "fees": 4891,
            "refunded": 449,
            "disputed": 0,
            "paid_out": 6100,
        }
    )

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
    model_config = examples(
        {
            "items": [example_of(CurrencyEarnings)],
            "platform_fee_bps": 1000,
            "pending_days": 7,
            "payout_schedule": "weekly",
            "payout_minimum": 1000,
        }
    )

    items: list[CurrencyEarnings]
    platform_fee_bps: int
    pending_days: float
    payout_schedule: str
    payout_minimum: int


class PayoutIn(StrictModel):
    model_config = examples({"currency": "usd"})

    currency: str = Currency


class PayoutOut(BaseModel):
    model_config = examples(
        {
            "id": 64,
            "amount": 25430,
            "currency": "usd",
            "status": "paid",
            "failure": None,
            "created_at": "2026-12-07T06:00:12+00:00",
            "settled_at": "2026-12-07T06:00:14+00:00",
        },
        {
            "id": 65,
            "amount": 8120,
            "currency": "eur",
            "status": "in_transit",
            "failure": None,
            "created_at": "2026-12-07T06:00:15+00:00",
            "settled_at": None,
        },
    )

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
    model_config = examples({"items": [example_of(PayoutOut)], "next_cursor": "64"})

    items: list[PayoutOut]
    next_cursor: str | None = None


class WebhookAck(BaseModel):
    model_config = examples(
        {"received": True, "duplicate": False}, {"received": True, "duplicate": True}
    )

    received: bool
    duplicate: bool
