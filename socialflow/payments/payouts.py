"""Payouts: a creator's available balance sent to their bank through the provider.

A payout is made in two steps. :func:`request` writes the payout with its
idempotency key and moves the amount from the creator's available balance to
``payouts_in_transit`` (the caller commits). :func:`send` then asks the
provider, with that key, and settles it: paid (in transit -> clearing) or
failed (back to available). If the answer is lost (a timeout) the payout
stays in transit and the sweep sends it again with the same key: the
provider pays once, and the ledger moves once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict
from socialflow.core.platform import Platform
from socialflow.payments import calls, customers, ledger, postings
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import ACCOUNTS, LINES, PAYOUTS, Payout
from socialflow.payments.settings import PaymentSettings
from socialflow.plugins.protocols import PaymentProvider, PaymentResult

SCHEDULE_PERIOD = {
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "monthly": timedelta(days=30),
}


def request(
    session: Session, settings: PaymentSettings, *, creator_id: int, currency: str
) -> Payout:
    """Take the creator's whole available balance in ``currency`` into a new payout.

    The creator's available account is locked first: two requests at once pay once.
    """
    account = ledger.account(session, AccountKind.creator_available, creator_id)
    ledger.lock(session, account)
    available = ledger.balance(session, account, currency)
    if available < settings.payout_minimum:
        raise Conflict(
            f"The available balance ({available} {currency}) is below the payout minimum "
            f"({settings.payout_minimum}).",
            slug="payout-below-minimum",
        )
    payout = Payout(
        creator_id=creator_id,
        amount=available,
        currency=currency,
        status="in_transit",
        idempotency_key=f"payout:{uuid.uuid4().hex}",
    )
    session.add(payout)
    session.flush()
    postings.payout_sent(session, payout)
    return payout


def settle(session: Session, payout: Payout, result: PaymentResult) -> Payout:
    """Record the provider's answer for ``payout`` (once: a settled payout stays settled)."""
    if payout.status != "in_transit":
        return payout
    payout.provider_ref = result.provider_ref
    if result.status == "succeeded":
        payout.status = "paid"
        payout.settled_at = utcnow()
        postings.payout_settled(session, payout, paid=True)
        record_event(session, "payout_paid", payout_id=payout.id, creator_id=payout.creator_id)
    elif result.status in ("failed", "canceled"):
        payout.status = "failed"
        payout.failure = str(result.raw.get("failure_message", "refused by the provider"))[:500]
        payout.settled_at = utcnow()
        postings.payout_settled(session, payout, paid=False)
        record_event(session, "payout_failed", payout_id=payout.id, creator_id=payout.creator_id)
    session.add(payout)
    return payout


def send(platform: Platform, provider: PaymentProvider, payout_id: int) -> Payout:
    """Ask the provider to pay ``payout_id`` out (again, with the same key, after a timeout).

    Raises :class:`PaymentUnavailableError` when the answer is lost.

    Commits: the creator's payout account and the outcome each in their own
    transaction, around the provider call (see :mod:`socialflow.payments.calls`).
    """
    with platform.session() as session:
        payout = session.get(Payout, payout_id)
        assert payout is not None, f"no payout {payout_id}"
        if payout.status != "in_transit":
            return payout
        account = customers.reference(session, provider, payout.creator_id, "payee")
        session.commit()
        amount, currency, key = payout.amount, payout.currency, payout.idempotency_key
    result = calls.invoke(
        platform,
        provider,
        key=key,
        operation="payout",
        call=lambda k: provider.payout(
            account_ref=account, amount=amount, currency=currency, idempotency_key=k
        ),
    )
    with platform.session() as session:
        locked = session.scalars(
            select(Payout).where(PAYOUTS.c.id == payout_id).with_for_update()
        ).one()
        settle(session, locked, result)
        session.commit()
        session.refresh(locked)
        return locked


def unsettled_ids(session: Session, older_than: timedelta) -> list[int]:
    """Payouts in transit with no answer from the provider (lost to a timeout or a crash)."""
    cutoff = utcnow() - older_than
    rows = session.execute(
        select(PAYOUTS.c.id).where(
            PAYOUTS.c.status == "in_transit",
            PAYOUTS.c.provider_ref.is_(None),
            PAYOUTS.c.created_at < cutoff,
        )
    )
    return [int(r[0]) for r in rows]


def due_by_schedule(session: Session, settings: PaymentSettings, now: datetime) -> list[Payout]:
    """Payouts the schedule asks for now: each creator and currency whose available
    balance reaches the minimum and who had no payout within the schedule's period."""
    period = SCHEDULE_PERIOD.get(settings.payout_schedule)
    if period is None:
        return []
    rows = session.execute(
        select(ACCOUNTS.c.owner_id, LINES.c.currency, func.sum(LINES.c.amount))
        .select_from(ACCOUNTS.join(LINES, LINES.c.account_id == ACCOUNTS.c.id))
        .where(ACCOUNTS.c.kind == AccountKind.creator_available.value)
        .group_by(ACCOUNTS.c.owner_id, LINES.c.currency)
        .having(-func.sum(LINES.c.amount) >= settings.payout_minimum)
    ).all()
    made = []
    for creator_id, currency, _ in rows:
        recent = session.scalar(
            select(PAYOUTS.c.id).where(
                PAYOUTS.c.creator_id == creator_id,
                PAYOUTS.c.currency == currency,
                PAYOUTS.c.created_at > now - period,
            )
        )
        if recent is None:
            made.append(request(session, settings, creator_id=int(creator_id), currency=currency))
    return made


def history(
    session: Session, *, creator_id: int, limit: int, before: int | None
) -> tuple[list[Payout], int | None]:
    """The creator's payouts, newest first, paged by id."""
    query = select(Payout).where(PAYOUTS.c.creator_id == creator_id)
    if before is not None:
        query = query.where(PAYOUTS.c.id < before)
    rows = list(session.scalars(query.order_by(PAYOUTS.c.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
