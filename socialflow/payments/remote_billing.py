"""Subscribe, upgrade, cancel and resume through a provider that bills (Stripe Billing).

With a provider that has the billing capability
(:func:`socialflow.plugins.protocols.bills_subscriptions`) the provider
keeps the schedule: it takes the first payment (or starts the trial),
renews, retries failed payments and ends the subscription. socialflow
commits its own row first (``incomplete``, no charge), calls the provider
with a key derived from that row (``sub:<id>:create``: a retry after a
timeout creates nothing twice), then records the provider's reference and
the state it answered. Later changes (renewals, dunning: ``past_due``,
``unpaid``, ``canceled``) and every payment come back through webhooks
(:mod:`socialflow.payments.remote_subscriptions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Literal, cast

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.payments import calls, customers, remote_subscriptions, subscriptions
from socialflow.payments.models import CHARGES, SUBSCRIPTIONS, Subscription, Tier
from socialflow.plugins.protocols import BillingProvider, PaymentResult

Interval = Literal["month", "year"]


def _metadata(sub: Subscription, tier_id: int, trial_days: int = 0) -> dict[str, str]:
    meta = {
        "creator_id": str(sub.creator_id),
        "tier_id": str(tier_id),
        "subscription_id": str(sub.id),
    }
    if trial_days > 0:
        meta["trial_days"] = str(trial_days)
    return meta


def _state(result: PaymentResult) -> Mapping[str, object]:
    """The subscription state in a provider's answer (its status when it says no more)."""
    if "status" in result.raw:
        return result.raw
    status = {"succeeded": "active", "failed": "past_due", "canceled": "canceled"}
    return {"status": status.get(result.status, "incomplete")}


def record(platform: Platform, sub_id: int, result: PaymentResult) -> None:
    """Keep the provider's reference and the state it answered.

    Commits: the state the provider answered, so it is not lost if the caller fails after.
    """
    with platform.session() as session:
        session.execute(
            SUBSCRIPTIONS.update()
            .where(SUBSCRIPTIONS.c.id == sub_id, SUBSCRIPTIONS.c.provider_ref.is_(None))
            .values(provider_ref=result.provider_ref)
        )
        remote_subscriptions.apply_state(session, result.provider_ref, _state(result))
        session.commit()


def _trial_days(session: Session, sub: Subscription) -> int:
    """The tier's trial, the first time this fan subscribes to this creator."""
    tier = session.get(Tier, sub.tier_id)
    if tier is None or tier.trial_days <= 0:
        return 0
    earlier = session.scalar(
        select(SUBSCRIPTIONS.c.id).where(
            SUBSCRIPTIONS.c.fan_id == sub.fan_id,
            SUBSCRIPTIONS.c.creator_id == sub.creator_id,
            SUBSCRIPTIONS.c.id != sub.id,
        )
    )
    return tier.trial_days if earlier is None else 0


def create(platform: Platform, provider: BillingProvider, sub_id: int) -> None:
    """Create the committed ``incomplete`` subscription ``sub_id`` at the provider.

    Commits: the fan's customer record, the call's key (before the call) and the
    answer, each in its own transaction. Raises ``PaymentUnavailableError`` when
    the outcome is unknown (the sweep asks again with the same key).
    """
    with platform.session() as session:
        sub = session.get(Subscription, sub_id)
        if sub is None or sub.provider_ref is not None:
            return
        customer = customers.reference(session, provider, sub.fan_id, "payer")
        session.commit()
        meta = _metadata(sub, sub.tier_id, _trial_days(session, sub))
        amount, currency, interval = sub.price, sub.currency, cast(Interval, sub.interval)
    result = calls.invoke(
        platform,
        provider,
        key=f"sub:{sub_id}:create",
        operation="subscription",
        call=lambda key: provider.create_subscription(
            customer_ref=customer,
            amount=amount,
            currency=currency,
            interval=interval,
            idempotency_key=key,
            metadata=meta,
        ),
    )
    record(platform, sub_id, result)


def change_tier(
    platform: Platform, provider: BillingProvider, *, fan: User, subscription_id: int, tier_id: int
) -> None:
    """Move the fan's subscription to another tier at the provider (it prorates).

    Commits: the call's key before the call, then the new tier and state.
    """
    with platform.session() as session:
        sub, tier = subscriptions.upgrade_target(
            session, fan=fan, subscription_id=subscription_id, tier_id=tier_id
        )
        assert sub.provider_ref is not None
        ref, meta = sub.provider_ref, _metadata(sub, tier_id)
        amount, currency, interval = tier.price, tier.currency, cast(Interval, tier.interval)
    stamp = int(utcnow().timestamp() * 1000)
    result = calls.invoke(
        platform,
        provider,
        key=f"sub:{subscription_id}:upgrade:{tier_id}:{stamp}",
        operation="subscription change",
        call=lambda key: provider.change_subscription_price(
            subscription_ref=ref,
            amount=amount,
            currency=currency,
            interval=interval,
            idempotency_key=key,
            metadata=meta,
        ),
    )
    with platform.session() as session:
        session.execute(
            SUBSCRIPTIONS.update()
            .where(SUBSCRIPTIONS.c.id == subscription_id)
            .values(tier_id=tier_id)
        )
        remote_subscriptions.apply_state(session, ref, _state(result))
        session.commit()


def end(
    platform: Platform,
    provider: BillingProvider,
    *,
    fan: User,
    subscription_id: int,
    at_period_end: bool,
    resume: bool = False,
) -> None:
    """Cancel at the period's end (or now, or when past due), or resume, at the provider.

    Commits: the state the provider answered.
    """
    with platform.session() as session:
        sub = subscriptions.owned_live(session, fan=fan, subscription_id=subscription_id)
        assert sub.provider_ref is not None
        ref, past_due = sub.provider_ref, sub.status == "past_due"
    stamp = int(utcnow().timestamp() * 1000)
    if resume or (at_period_end and not past_due):
        result = provider.cancel_at_period_end(
            subscription_ref=ref,
            cancel=not resume,
            idempotency_key=f"sub:{subscription_id}:period-end:{not resume}:{stamp}",
        )
    else:
        result = provider.cancel_subscription(subscription_ref=ref)
    with platform.session() as session:
        remote_subscriptions.apply_state(session, ref, _state(result))
        session.commit()


def lost_ids(session: Session, older_than: timedelta) -> list[int]:
    """Subscriptions committed for the provider whose creation answer was lost: still
    ``incomplete``, no reference, no charge of socialflow's own (that is the local schedule)."""
    has_charge = select(CHARGES.c.id).where(CHARGES.c.subscription_id == SUBSCRIPTIONS.c.id)
    rows = session.execute(
        select(SUBSCRIPTIONS.c.id).where(
            SUBSCRIPTIONS.c.status == "incomplete",
            SUBSCRIPTIONS.c.provider_ref.is_(None),
            SUBSCRIPTIONS.c.created_at <= utcnow() - older_than,
            ~has_charge.exists(),
        )
    )
    return [int(r[0]) for r in rows]
