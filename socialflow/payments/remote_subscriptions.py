"""Subscriptions billed by the provider itself (Stripe Billing): their state follows it.

A subscription whose ``provider_ref`` names a subscription at the provider
is renewed, retried (dunning) and ended there; the provider's webhook
(``subscription_updated``, its data the subscription as the provider has it
*now*, fetched again for each event) sets socialflow's copy. Applying the
same state twice changes nothing, so events delivered again or out of order
leave the subscription as the provider has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.payments.models import (
    LIVE_STATUSES,
    SUBSCRIPTIONS,
    Subscription,
    SubscriptionStatus,
)

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
    if was_live and sub.status not in LIVE_STATUSES:
        event = "subscription_canceled" if status is S.canceled else "subscription_unpaid"
        record_event(session, event, subscription_id=sub.id)
        record_event(session, "access_changed", user_ids=[sub.fan_id])
    return f"subscription {sub.id} {sub.status}"
