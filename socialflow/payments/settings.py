"""The payments app's settings: the ``[plugin.payments]`` section.

Which provider takes the money is the core ``payments`` setting (``offline``
for development, ``stripe`` with its plugin); this section holds the money
rules that stay the same whatever the provider: the platform's fee, how long
earnings stay pending, the payout schedule and minimum, renewals and dunning.
Values come from ``[plugin.payments]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__PAYMENTS__<FIELD>``, validated when the platform starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "payments"


class PaymentSettings(BaseModel):
    """Fees, the pending period, payouts, renewals and dunning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform_fee_bps: int = Field(
        default=1000,
        ge=0,
        le=10_000,
        description="The platform's share of each subscription payment and tip, in basis "
        "points (1000 = 10%); rounded half up to the minor unit, the creator gets the rest.",
    )
    pending_days: float = Field(
        default=7,
        ge=0,
        description="Days a creator's earnings stay pending (refundable) before they become "
        "available for payout.",
    )
    payout_schedule: Literal["manual", "daily", "weekly", "monthly"] = Field(
        default="weekly",
        description="How often available balances are paid out automatically (manual: only "
        "when the creator asks).",
    )
    payout_minimum: int = Field(
        default=1000,
        ge=1,
        description="Smallest payout, in minor units of the balance's currency.",
    )
    trial_days_max: int = Field(
        default=30, ge=0, description="Longest free trial a tier may offer, days."
    )
    dunning_retry_hours: float = Field(
        default=24, gt=0, description="Hours between attempts to charge a past-due renewal."
    )
    dunning_attempts: int = Field(
        default=4,
        ge=1,
        description="Failed renewal attempts after which a subscription turns unpaid "
        "(access ends; the fan may pay again by subscribing).",
    )
    sweep_interval: int = Field(
        default=300,
        ge=1,
        description="How often Celery beat runs the payments sweep (renewals, dunning, "
        "releasing pending earnings, scheduled payouts), seconds.",
    )
    currencies: list[str] = Field(
        default_factory=lambda: ["usd", "eur", "gbp", "jpy"],
        description="ISO 4217 codes (lower case) tiers and tips may use.",
    )


def payment_settings(platform: Platform) -> PaymentSettings:
    """The platform's payments settings, validated once (attached at platform start)."""
    return platform.get(PaymentSettings)
