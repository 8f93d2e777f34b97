"""The steps that involve the provider, in order: commit the intent, call, record.

Routes, the sweep task, the CLI and tests call these; each takes the
platform (for its own transactions) and the provider. Whatever is lost
between two steps (a crash, a timeout) is found by :func:`sweep` and done
again with the same idempotency keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select

from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.payments import charges, payouts, refunds, remote_billing, subscriptions
from socialflow.payments.models import SUBSCRIPTIONS, Charge, Subscription
from socialflow.payments.settings import payment_settings
from socialflow.plugins.protocols import (
    BillingProvider,
    PaymentProvider,
    PaymentUnavailableError,
    bills_subscriptions,
)

logger = logging.getLogger("socialflow.payments")

# A charge, refund or payout with no answer after this long is asked again (same key).
LOST_AFTER = timedelta(minutes=2)


def settle_subscription_charge(platform: Platform, charge: Charge) -> None:
    """Apply a subscription charge's outcome to its subscription.

    Commits: the subscription's new state.
    """
    if charge.subscription_id is None:
        return
    with platform.session() as session:
        sub = session.scalars(
            select(Subscription)
            .where(SUBSCRIPTIONS.c.id == charge.subscription_id)
            .with_for_update()
        ).first()
        fresh = session.get(Charge, charge.id)
        if sub is not None and fresh is not None:
            subscriptions.settle(session, payment_settings(platform), sub, fresh)
            session.commit()


def collect_and_settle(platform: Platform, provider: PaymentProvider, charge_id: int) -> Charge:
    """Collect a committed pending charge and apply it to its subscription, if any.

    Commits: through :func:`charges.collect` and :func:`settle_subscription_charge`.
    """
    charge = charges.collect(platform, provider, charge_id)
    settle_subscription_charge(platform, charge)
    return charge


def renew(platform: Platform, provider: PaymentProvider, subscription_id: int) -> None:
    """Renew (or end, or retry the payment of) one due subscription.

    Commits: the renewal charge before it is collected, then its outcome.
    """
    settings = payment_settings(platform)
    with platform.session() as session:
        sub = session.scalars(
            select(Subscription).where(SUBSCRIPTIONS.c.id == subscription_id).with_for_update()
        ).first()
        if sub is None or not subscriptions.is_due(sub, utcnow()):
            return
        charge = subscriptions.renewal_charge(session, settings, sub)
        session.commit()
        charge_id = charge.id if charge is not None else None
    if charge_id is not None:
        collect_and_settle(platform, provider, charge_id)


def _create_remote(platform: Platform, provider: PaymentProvider, sub_id: int) -> None:
    """Ask a billing provider again (same key) for a subscription whose answer was lost.

    Commits: through :func:`remote_billing.create`.
    """
    remote_billing.create(platform, cast(BillingProvider, provider), sub_id)


@dataclass
class SweepReport:
    renewed: int = 0
    created_at_provider: int = 0
    charges_retried: int = 0
    released: int = 0
    refunds_retried: int = 0
    payouts_retried: int = 0
    payouts_scheduled: int = 0
    unknown: list[str] = field(default_factory=list)


def sweep(
    platform: Platform, provider: PaymentProvider, now: datetime | None = None
) -> SweepReport:
    """Everything time drives: renewals and dunning, lost charges, refunds and payouts
    asked again, pending earnings released, scheduled payouts. Safe to run twice.

    Commits: each step in its own transactions (see the functions it calls).
    """
    report = SweepReport()
    settings = payment_settings(platform)
    now = now or utcnow()

    def attempt(label: str, step: Callable[..., object], *args: object) -> bool:
        try:
            step(platform, provider, *args)
        except PaymentUnavailableError as exc:
            report.unknown.append(f"{label}: {exc}")
            return False
        return True

    with platform.session() as session:
        due = subscriptions.due_ids(session, now)
        lost_charges = charges.pending_charge_ids(session, LOST_AFTER)
        lost_refunds = refunds.pending_ids(session)
        lost_payouts = payouts.unsettled_ids(session, LOST_AFTER)
        lost_subs = (
            remote_billing.lost_ids(session, LOST_AFTER) if bills_subscriptions(provider) else []
        )
    for lost_sub in lost_subs:
        report.created_at_provider += attempt(f"subscription {lost_sub}", _create_remote, lost_sub)
    for sub_id in due:
        report.renewed += attempt(f"subscription {sub_id}", renew, sub_id)
    for charge_id in lost_charges:
        report.charges_retried += attempt(f"charge {charge_id}", collect_and_settle, charge_id)
    for refund_id in lost_refunds:
        report.refunds_retried += attempt(f"refund {refund_id}", refunds.send, refund_id)
    for payout_id in lost_payouts:
        report.payouts_retried += attempt(f"payout {payout_id}", payouts.send, payout_id)
    with platform.session() as session:
        report.released = charges.release_due(session)
        session.commit()
    with platform.session() as session:
        made = payouts.due_by_schedule(session, settings, now)
        session.commit()
        scheduled = [p.id for p in made]
    for scheduled_id in scheduled:
        assert scheduled_id is not None
        report.payouts_scheduled += attempt(f"payout {scheduled_id}", payouts.send, scheduled_id)
    if report.unknown:
        logger.warning("payments sweep: outcomes unknown, retried next time: %s", report.unknown)
    return report
