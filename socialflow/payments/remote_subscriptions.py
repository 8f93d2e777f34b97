"""Subscriptions billed by the provider itself (Stripe Billing): their state follows it.

A subscription whose ``provider_ref`` names a subscription at the provider
is renewed, retried (dunning) and ended there; the provider's webhook
(``subscription_updated``, its data the subscription as the provider has it
*now*, fetched again for each event) sets socialflow's copy. Applying the
same state twice changes nothing, so events delivered again or out of order
leave the subscription as the provider has it.

Each payment the provider took for such a subscription (an invoice paid:
the first period, a renewal, the proration of an upgrade) arrives as
``subscription_paid`` and is booked in the ledger as a ``subscription``
charge keyed by the invoice (``invoice:<ref>``), so it is booked once
however many times and through however many events it is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.payments import charges
from socialflow.payments.models import (
    CHARGES,
    LIVE_STATUSES,
    SUBSCRIPTIONS,
    Subscription,
    SubscriptionStatus,
)
from socialflow.payments.settings import PaymentSettings
from socialflow.plugins.protocols import PaymentResult

S = SubscriptionStatus
# The provider's statuses (Stripe's names) in socialflow's terms.
STATUS = {
    "incomplete": S.incomplete,
    "trialing": S.trialing,
    "active": S.active,
    "past_due": S.past_due,
    "unpaid": S.unpaid,
    "paused": S.unpaid,
    "canceled": S.canceled,
    "incomplete_expired": S.canceled,
}


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def apply_state(session: Session, provider_ref: str | None, data: Mapping[str, Any]) -> str:
    """Set the subscription billed as ``provider_ref`` to the provider's state."""
    if provider_ref is None:
        return "unknown subscription"
    sub = session.scalars(
        select(Subscription).where(SUBSCRIPTIONS.c.provider_ref == provider_ref).with_for_update()
    ).first()
    if sub is None:
        return "unknown subscription"
    status = STATUS.get(str(data.get("status")))
    if status is None:
        return f"subscription {sub.id}: unknown status"
    was_live = sub.status in LIVE_STATUSES
    was_incomplete = sub.status == S.incomplete.value
    sub.status = status.value
    sub.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    start, end = _moment(data.get("current_period_start")), _moment(data.get("current_period_end"))
    if start is not None and end is not None:
        sub.current_period_start, sub.current_period_end = start, end
    amount = data.get("amount")
    if type(amount) is int and str(data.get("currency", "")).lower() == sub.currency:
        sub.price = amount
    if status is S.canceled and sub.canceled_at is None:
        sub.canceled_at = utcnow()
    session.add(sub)
    if was_incomplete and sub.status in LIVE_STATUSES:
        trial = status is S.trialing
        record_event(session, "subscription_started", subscription_id=sub.id, trial=trial)
    if was_live and sub.status not in LIVE_STATUSES:
        event = "subscription_canceled" if status is S.canceled else "subscription_unpaid"
        record_event(session, event, subscription_id=sub.id)
        record_event(session, "access_changed", user_ids=[sub.fan_id])
    return f"subscription {sub.id} {sub.status}"


def book_payment(
    session: Session,
    settings: PaymentSettings,
    invoice_ref: str | None,
    data: Mapping[str, Any],
    *,
    test_mode: bool,
) -> str:
    """Book one paid invoice of a provider-billed subscription (once per invoice)."""
    sub = session.scalars(
        select(Subscription)
        .where(SUBSCRIPTIONS.c.provider_ref == str(data.get("subscription_ref")))
        .with_for_update()
    ).first()
    amount, currency = data.get("amount"), str(data.get("currency", "")).lower()
    if sub is None or invoice_ref is None:
        return "unknown subscription"
    if type(amount) is not int or amount <= 0 or currency != sub.currency:
        return f"subscription {sub.id}: nothing to book"
    key = f"invoice:{invoice_ref}"
    if session.scalar(select(CHARGES.c.id).where(CHARGES.c.idempotency_key == key)) is not None:
        return f"subscription {sub.id}: invoice already booked"
    assert sub.id is not None
    try:
        with session.begin_nested():
            charge = charges.new_charge(
                session,
                settings,
                payer_id=sub.fan_id,
                creator_id=sub.creator_id,
                kind="subscription",
                amount=amount,
                currency=currency,
                key=key,
                subscription_id=sub.id,
            )
    except IntegrityError:  # booked meanwhile by another delivery of the same payment
        return f"subscription {sub.id}: invoice already booked"
    result = PaymentResult(
        provider_ref=str(data.get("payment_ref") or invoice_ref),
        status="succeeded",
        amount=amount,
        currency=currency,
        raw=data,
    )
    charges.apply_result(session, settings, charge, result, test_mode=test_mode)
    return f"subscription {sub.id}: charge {charge.id} booked"
