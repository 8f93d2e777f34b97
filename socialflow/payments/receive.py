"""One provider event, from a webhook or replayed by ``socialflow payments reconcile``.

Both paths go through :func:`handle`: the event is applied once (its id is
recorded with its effect, :mod:`socialflow.payments.inbound`), then the
subscription of a charge whose outcome changed is brought in line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import func, select

from socialflow.core.platform import Platform
from socialflow.payments import billing, inbound
from socialflow.payments.models import WEBHOOK_EVENTS, Charge
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import PaymentProvider, WebhookEvent

# Replayed again from a little before the newest event received: late deliveries overlap.
REPLAY_OVERLAP = timedelta(days=1)
REPLAY_DEFAULT = timedelta(days=3)


@runtime_checkable
class ReplayableProvider(Protocol):
    """A provider that can list the events it sent since a moment (Stripe's events API)."""

    def replay_events(self, *, since: datetime) -> object: ...


def handle(platform: Platform, provider: PaymentProvider, event: WebhookEvent) -> tuple[bool, str]:
    """Apply ``event`` once: ``(first_time, outcome)``.

    Commits: the event's effect with its receipt, then its subscription's new state.
    """
    with platform.session() as session:
        first, outcome, charge_id = inbound.process(
            session,
            payment_settings(platform),
            provider_name=provider.name,
            event=event,
            test_mode=provider.test_mode,
        )
        session.commit()
    if charge_id is not None:
        with platform.session() as session:
            charge = session.get(Charge, charge_id)
        if charge is not None:
            billing.settle_subscription_charge(platform, charge)
    return first, outcome


def already_processed(platform: Platform, provider_name: str, event_id: str) -> bool:
    """Whether the event ``event_id`` of ``provider_name`` was applied already."""
    with platform.session(read_only=True) as session:
        found = session.scalar(
            select(WEBHOOK_EVENTS.c.id).where(
                WEBHOOK_EVENTS.c.provider == provider_name,
                WEBHOOK_EVENTS.c.event_id == event_id[:255],
            )
        )
    return found is not None


def replay_cursor(platform: Platform, provider_name: str, now: datetime) -> datetime:
    """Where a replay starts: a day before the newest event received, else three days ago."""
    with platform.session(read_only=True) as session:
        newest = session.scalar(
            select(func.max(WEBHOOK_EVENTS.c.received_at)).where(
                WEBHOOK_EVENTS.c.provider == provider_name
            )
        )
    if not isinstance(newest, datetime):
        return now - REPLAY_DEFAULT
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=now.tzinfo)
    return newest - REPLAY_OVERLAP
