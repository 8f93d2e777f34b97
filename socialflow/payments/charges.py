"""Charges: money taken from a fan for a subscription period, a proration or a tip.

A charge is written ``pending`` with its idempotency key and committed by
the caller; :func:`collect` then asks the provider (through
:func:`socialflow.payments.calls.invoke`) and applies the outcome: on
success the ledger gets its entry (clearing, the platform's fee, the
creator's pending earnings). An unknown outcome (timeout) leaves it pending;
the sweep collects it again with the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Problem
from socialflow.core.platform import Platform
from socialflow.payments import calls, customers, postings
from socialflow.payments.fees import platform_fee
from socialflow.payments.models import CHARGES, Charge
from socialflow.payments.settings import PaymentSettings, payment_settings
from socialflow.plugins.protocols import PaymentProvider, PaymentResult, PaymentUnavailableError


class PaymentsUnavailable(Problem):
    status, slug, title = 503, "payments-unavailable", "Payments are not available"


class PaymentDeclined(Problem):
    status, slug, title = 402, "payment-declined", "Payment declined"


def active_provider(platform: Platform) -> PaymentProvider:
    """The provider named by the ``payments`` setting, or a 503 problem when none is."""
    if platform.settings.payments is None:
        raise PaymentsUnavailable(
            "No payment provider is configured (the `payments` setting is empty)."
        )
    return platform.provider("payments")


def new_charge(
    session: Session,
    settings: PaymentSettings,
    *,
    payer_id: int,
    creator_id: int,
    kind: str,
    amount: int,
    currency: str,
    key: str,
    subscription_id: int | None = None,
    target: tuple[str, str] | None = None,
    message: str = "",
) -> Charge:
    """A pending charge (flushed, not committed: the caller commits before collecting)."""
    charge = Charge(
        payer_id=payer_id,
        creator_id=creator_id,
        kind=kind,
        amount=amount,
        fee=platform_fee(amount, settings.platform_fee_bps),
        currency=currency,
        status="pending",
        idempotency_key=key,
        subscription_id=subscription_id,
        target_type=target[0] if target else None,
        target_id=target[1] if target else None,
        message=message,
    )
    session.add(charge)
    session.flush()
    return charge


def apply_result(
    session: Session,
    settings: PaymentSettings,
    charge: Charge,
    result: PaymentResult,
    *,
    test_mode: bool,
) -> Charge:
    """Record what the provider said of ``charge`` (once: a settled charge stays settled)."""
    if charge.status != "pending":
        return charge
    if result.amount != charge.amount or result.currency.lower() != charge.currency:
        # A provider answering another amount is a bug or an attack: leave the charge
        # pending for an operator rather than book what was not asked.
        raise PaymentUnavailableError(
            f"provider answered {result.amount} {result.currency} for charge {charge.id}"
        )
    charge.provider_ref = result.provider_ref
    charge.test_mode = test_mode
    if result.status == "succeeded":
        charge.status = "succeeded"
        charge.available_at = utcnow() + timedelta(days=settings.pending_days)
        postings.charge_succeeded(session, charge)
        book_processor_fee(session, charge, result.raw)
        record_event(
            session,
            "payment_succeeded",
            charge_id=charge.id,
            kind=charge.kind,
            payer_id=charge.payer_id,
            creator_id=charge.creator_id,
            amount=charge.amount,
            currency=charge.currency,
        )
    elif result.status in ("failed", "canceled"):
        charge.status = "failed"
        record_event(
            session,
            "payment_failed",
            charge_id=charge.id,
            kind=charge.kind,
            payer_id=charge.payer_id,
        )
    session.add(charge)
    return charge


def book_processor_fee(session: Session, charge: Charge, raw: Mapping[str, Any]) -> None:
    """Post the processor's fee on a succeeded charge when the provider told it
    (``raw["processor_fee"]``, integer minor units); once per charge."""
    fee = raw.get("processor_fee")
    if charge.status != "succeeded" or type(fee) is not int:
        return
    currency = str(raw.get("processor_fee_currency") or charge.currency)
    postings.processor_fee(session, charge, fee, currency)


def _locked(session: Session, charge_id: int) -> Charge | None:
    return session.scalars(
        select(Charge).where(CHARGES.c.id == charge_id).with_for_update()
    ).first()


def collect(platform: Platform, provider: PaymentProvider, charge_id: int) -> Charge:
    """Charge the payer for a pending charge and record the outcome.

    Raises :class:`PaymentUnavailableError` when the outcome is unknown (the
    charge stays pending, and is collected again with the same key).

    Commits: the payer's customer record and the outcome each in their own
    transaction, around the provider call (see :mod:`socialflow.payments.calls`).
    """
    settings = payment_settings(platform)
    with platform.session() as session:
        charge = session.get(Charge, charge_id)
        if charge is None or charge.status != "pending":
            assert charge is not None, f"no charge {charge_id}"
            return charge
        payer = customers.reference(session, provider, charge.payer_id, "payer")
        session.commit()
        amount, currency, key = charge.amount, charge.currency, charge.idempotency_key
        metadata = {"charge_id": str(charge.id), "kind": charge.kind}
    result = calls.invoke(
        platform,
        provider,
        key=key,
        operation="charge",
        call=lambda k: provider.charge(
            customer_ref=payer,
            amount=amount,
            currency=currency,
            idempotency_key=k,
            metadata=metadata,
        ),
    )
    with platform.session() as session:
        locked = _locked(session, charge_id)
        assert locked is not None
        apply_result(session, settings, locked, result, test_mode=provider.test_mode)
        session.commit()
        session.refresh(locked)
        return locked


def pending_charge_ids(session: Session, older_than: timedelta) -> list[int]:
    """Charges still pending after ``older_than``: their outcome was lost (a timeout)."""
    cutoff = utcnow() - older_than
    rows = session.execute(
        select(CHARGES.c.id).where(CHARGES.c.status == "pending", CHARGES.c.created_at < cutoff)
    )
    return [int(r[0]) for r in rows]


def release_due(session: Session, limit: int = 500) -> int:
    """Move the earnings of charges past their pending period to the available balance."""
    due = session.scalars(
        select(Charge)
        .where(
            CHARGES.c.status == "succeeded",
            CHARGES.c.released.is_(False),
            CHARGES.c.available_at <= utcnow(),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for charge in due:
        postings.earnings_released(session, charge)
        charge.released = True
        session.add(charge)
    return len(due)
