"""Subscriptions: trials, first payments, renewals, dunning, upgrades and cancellation.

socialflow keeps the billing schedule itself: each period is a charge
(:mod:`socialflow.payments.charges`) with a key derived from the
subscription and the period, taken by the payments sweep (Celery beat) when
the period ends. A failed renewal makes the subscription ``past_due`` (access
kept) and is retried every ``dunning_retry_hours``; after
``dunning_attempts`` failures it is ``unpaid`` (no access). A cancellation
takes effect at the period's end unless asked otherwise. An upgrade charges
the price difference for the part of the period left (proration); a
downgrade takes effect at once, without a refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.payments import charges, tiers
from socialflow.payments.models import (
    CHARGES,
    LIVE_STATUSES,
    SUBSCRIPTIONS,
    Charge,
    Subscription,
    SubscriptionStatus,
    Tier,
)
from socialflow.payments.periods import add_interval, prorated
from socialflow.payments.settings import PaymentSettings

S = SubscriptionStatus
USERS = User.__table__  # type: ignore[attr-defined]


def live_subscription(session: Session, fan_id: int, creator_id: int) -> Subscription | None:
    return session.scalars(
        select(Subscription).where(
            SUBSCRIPTIONS.c.fan_id == fan_id,
            SUBSCRIPTIONS.c.creator_id == creator_id,
            SUBSCRIPTIONS.c.status.in_([*LIVE_STATUSES, S.incomplete.value]),
        )
    ).first()


def get_for(session: Session, *, user: User, subscription_id: int) -> Subscription:
    """A subscription its fan or its creator may see (anyone else: 404)."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or user.id not in (sub.fan_id, sub.creator_id):
        raise NotFound("No such subscription.")
    return sub


def _owned(session: Session, *, fan: User, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.fan_id != fan.id:
        raise NotFound("No such subscription.")
    return sub


def start(
    session: Session, settings: PaymentSettings, *, fan: User, tier_id: int, remote: bool = False
) -> tuple[Subscription, Charge | None]:
    """Subscribe ``fan`` to a tier: a trial (no charge) the first time a tier offers one,
    else an ``incomplete`` subscription and its first charge (the caller commits, then
    collects and calls :func:`settle`). ``remote`` (a provider that bills): an
    ``incomplete`` subscription and no charge; :mod:`socialflow.payments.remote_billing`
    creates it at the provider, with the trial when ``trial_days`` says so."""
    tier = tiers.get_active(session, tier_id)
    assert fan.id is not None
    if tier.creator_id == fan.id:
        raise ValidationProblem("You cannot subscribe to yourself.", slug="self-subscription")
    # One subscribe of this fan at a time (PostgreSQL): two at once would both find none.
    session.execute(select(USERS.c.id).where(USERS.c.id == fan.id).with_for_update())
    if live_subscription(session, fan.id, tier.creator_id) is not None:
        raise Conflict(
            "You already subscribe to this creator; change tier with an upgrade.",
            slug="already-subscribed",
        )
    had_one = session.scalar(
        select(SUBSCRIPTIONS.c.id).where(
            SUBSCRIPTIONS.c.fan_id == fan.id, SUBSCRIPTIONS.c.creator_id == tier.creator_id
        )
    )
    now = utcnow()
    trial = tier.trial_days > 0 and had_one is None
    if remote:
        sub = Subscription(
            fan_id=fan.id,
            creator_id=tier.creator_id,
            tier_id=tier_id,
            status=S.incomplete.value,
            price=tier.price,
            currency=tier.currency,
            interval=tier.interval,
            current_period_start=now,
            current_period_end=now,  # the provider's answer sets the period
        )
        session.add(sub)
        session.flush()
        return sub, None
    sub = Subscription(
        fan_id=fan.id,
        creator_id=tier.creator_id,
        tier_id=tier_id,
        status=(S.trialing if trial else S.incomplete).value,
        price=tier.price,
        currency=tier.currency,
        interval=tier.interval,
        current_period_start=now,
        current_period_end=(
            now + timedelta(days=tier.trial_days) if trial else add_interval(now, tier.interval)
        ),
    )
    session.add(sub)
    session.flush()
    if trial:
        record_event(session, "subscription_started", subscription_id=sub.id, trial=True)
        return sub, None
    charge = charges.new_charge(
        session,
        settings,
        payer_id=fan.id,
        creator_id=tier.creator_id,
        kind="subscription",
        amount=tier.price,
        currency=tier.currency,
        key=f"sub:{sub.id}:period:{int(now.timestamp())}",
        subscription_id=sub.id,
    )
    return sub, charge


def abandon(session: Session, sub_id: int) -> None:
    """End a subscription the provider refused to create (it never started)."""
    sub = session.get(Subscription, sub_id)
    if sub is not None and sub.status == S.incomplete.value and sub.provider_ref is None:
        sub.status = S.canceled.value
        sub.canceled_at = utcnow()
        session.add(sub)


def settle(session: Session, settings: PaymentSettings, sub: Subscription, charge: Charge) -> None:
    """Bring ``sub`` in line with the outcome of one of its charges (idempotent: a charge
    still pending changes nothing, and each outcome applies to the period it paid for).
    A subscription the provider bills (``provider_ref``) is left alone: its state is the
    provider's, set by :mod:`socialflow.payments.remote_subscriptions`, and a payment
    event of one of its invoices must not renew it a second time here."""
    if charge.status == "pending" or sub.provider_ref is not None:
        return
    assert charge.id is not None
    if sub.last_charge_id is not None and charge.id <= sub.last_charge_id:
        return  # applied already (a task or webhook that ran twice)
    sub.last_charge_id = charge.id
    session.add(sub)
    now = utcnow()
    if charge.kind == "proration":
        if charge.status == "succeeded" and charge.target_id is not None:
            _switch_tier(session, sub, int(charge.target_id))
        return
    if sub.status == S.incomplete.value:
        # The first payment: it starts the subscription, or ends it.
        sub.status = (S.active if charge.status == "succeeded" else S.canceled).value
        if charge.status != "succeeded":
            sub.canceled_at = now
        else:
            record_event(session, "subscription_started", subscription_id=sub.id, trial=False)
    elif charge.status == "succeeded":
        if sub.status in (S.trialing.value, S.active.value, S.past_due.value, S.unpaid.value):
            sub.current_period_start = sub.current_period_end
            sub.current_period_end = add_interval(sub.current_period_end, sub.interval)
            sub.status = S.active.value
            sub.failed_attempts = 0
            sub.next_attempt_at = None
    else:
        sub.failed_attempts += 1
        if sub.failed_attempts >= settings.dunning_attempts:
            sub.status = S.unpaid.value
            sub.next_attempt_at = None
            record_event(session, "subscription_unpaid", subscription_id=sub.id)
            record_event(session, "access_changed", user_ids=[sub.fan_id])
        else:
            sub.status = S.past_due.value
            sub.next_attempt_at = now + timedelta(hours=settings.dunning_retry_hours)
    session.add(sub)


def renewal_charge(session: Session, settings: PaymentSettings, sub: Subscription) -> Charge | None:
    """The charge for ``sub``'s next period (or None when it ends instead); one per
    period and attempt, so a sweep that runs twice charges once."""
    if sub.cancel_at_period_end and sub.status in LIVE_STATUSES:
        sub.status = S.canceled.value
        sub.canceled_at = utcnow()
        session.add(sub)
        record_event(session, "subscription_canceled", subscription_id=sub.id)
        record_event(session, "access_changed", user_ids=[sub.fan_id])
        return None
    period = int(sub.current_period_end.timestamp() * 1_000_000)
    key = f"sub:{sub.id}:renew:{period}:{sub.failed_attempts}"
    existing = session.scalars(select(Charge).where(CHARGES.c.idempotency_key == key)).first()
    if existing is not None:
        return existing
    assert sub.id is not None
    return charges.new_charge(
        session,
        settings,
        payer_id=sub.fan_id,
        creator_id=sub.creator_id,
        kind="subscription",
        amount=sub.price,
        currency=sub.currency,
        key=key,
        subscription_id=sub.id,
    )


def is_due(sub: Subscription, now: datetime) -> bool:
    """The same test as :func:`due_ids`, for one subscription."""
    if sub.provider_ref is not None:
        return False  # billed by the provider: renewed and retried there
    if sub.status in (S.active.value, S.trialing.value):
        return sub.current_period_end <= now
    if sub.status == S.past_due.value:
        return sub.next_attempt_at is not None and sub.next_attempt_at <= now
    return False


def due_ids(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Subscriptions whose period ended (renew or end) or whose dunning retry is due."""
    rows = session.execute(
        select(SUBSCRIPTIONS.c.id)
        .where(
            SUBSCRIPTIONS.c.provider_ref.is_(None),
            or_(
                and_(
                    SUBSCRIPTIONS.c.status.in_([S.active.value, S.trialing.value]),
                    SUBSCRIPTIONS.c.current_period_end <= now,
                ),
                and_(
                    SUBSCRIPTIONS.c.status == S.past_due.value,
                    SUBSCRIPTIONS.c.next_attempt_at <= now,
                ),
            ),
        )
        .order_by(SUBSCRIPTIONS.c.id)
        .limit(limit)
    )
    return [int(r[0]) for r in rows]


def owned_live(session: Session, *, fan: User, subscription_id: int) -> Subscription:
    """The fan's own subscription that has not ended (else 404 or 409)."""
    sub = _owned(session, fan=fan, subscription_id=subscription_id)
    if sub.status not in LIVE_STATUSES:
        raise Conflict("This subscription has already ended.", slug="subscription-ended")
    return sub


def cancel(
    session: Session, *, fan: User, subscription_id: int, at_period_end: bool = True
) -> Subscription:
    sub = _owned(session, fan=fan, subscription_id=subscription_id)
    if sub.status not in LIVE_STATUSES:
        raise Conflict("This subscription has already ended.", slug="subscription-ended")
    if at_period_end and sub.status != S.past_due.value:
        sub.cancel_at_period_end = True
    else:
        sub.status = S.canceled.value
        sub.canceled_at = utcnow()
        record_event(session, "subscription_canceled", subscription_id=sub.id)
        record_event(session, "access_changed", user_ids=[sub.fan_id])
    session.add(sub)
    return sub


def resume(session: Session, *, fan: User, subscription_id: int) -> Subscription:
    """Undo a cancellation at period end (before the period ends)."""
    sub = _owned(session, fan=fan, subscription_id=subscription_id)
    if sub.status not in LIVE_STATUSES:
        raise Conflict("This subscription has already ended.", slug="subscription-ended")
    sub.cancel_at_period_end = False
    session.add(sub)
    return sub


def _switch_tier(session: Session, sub: Subscription, tier_id: int) -> None:
    tier = session.get(Tier, tier_id)
    assert tier is not None
    sub.tier_id = tier_id
    sub.price = tier.price
    session.add(sub)


def upgrade_target(
    session: Session, *, fan: User, subscription_id: int, tier_id: int
) -> tuple[Subscription, Tier]:
    """The fan's active subscription and the tier it may move to (else a problem)."""
    sub = _owned(session, fan=fan, subscription_id=subscription_id)
    if sub.status not in (S.active.value, S.trialing.value):
        raise Conflict("Only an active subscription changes tier.", slug="subscription-not-active")
    tier = tiers.get_active(session, tier_id)
    if tier.creator_id != sub.creator_id or tier.id == sub.tier_id:
        raise ValidationProblem("Choose another tier of the same creator.", slug="bad-tier")
    if (tier.currency, tier.interval) != (sub.currency, sub.interval):
        raise ValidationProblem(
            "The new tier must bill in the same currency and interval.", slug="bad-tier"
        )
    return sub, tier


def upgrade(
    session: Session, settings: PaymentSettings, *, fan: User, subscription_id: int, tier_id: int
) -> tuple[Subscription, Charge | None]:
    """Move to another tier of the same creator. Dearer: the difference for the rest
    of the period is charged now (the caller commits, collects and settles); the tier
    changes when it is paid. Cheaper, or during a trial: the tier changes at once."""
    sub, tier = upgrade_target(session, fan=fan, subscription_id=subscription_id, tier_id=tier_id)
    now = utcnow()
    owed = prorated(
        tier.price - sub.price,
        start=sub.current_period_start,
        end=sub.current_period_end,
        now=now,
    )
    if sub.status == S.trialing.value or owed <= 0:
        _switch_tier(session, sub, tier_id)
        return sub, None
    assert sub.id is not None
    charge = charges.new_charge(
        session,
        settings,
        payer_id=sub.fan_id,
        creator_id=sub.creator_id,
        kind="proration",
        amount=owed,
        currency=sub.currency,
        key=f"sub:{sub.id}:upgrade:{tier_id}:{int(now.timestamp() * 1000)}",
        subscription_id=sub.id,
        target=("tier", str(tier_id)),
    )
    return sub, charge


def list_as_fan(session: Session, fan_id: int) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(SUBSCRIPTIONS.c.fan_id == fan_id)
            .order_by(SUBSCRIPTIONS.c.id.desc())
        )
    )


def list_as_creator(
    session: Session, creator_id: int, *, limit: int, before: int | None
) -> tuple[list[Subscription], int | None]:
    query = select(Subscription).where(
        SUBSCRIPTIONS.c.creator_id == creator_id, SUBSCRIPTIONS.c.status.in_(LIVE_STATUSES)
    )
    if before is not None:
        query = query.where(SUBSCRIPTIONS.c.id < before)
    rows = list(session.scalars(query.order_by(SUBSCRIPTIONS.c.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
