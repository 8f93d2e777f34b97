"""Provider webhooks: verified by the provider, processed once per event id.

The provider plugin verifies the signature and translates its event to a
:class:`WebhookEvent` with one of the socialflow event types below;
``provider_ref`` names the charge, refund or payout it is about (the
provider's reference returned when it was made). Each event id is recorded
in ``payment_webhook_events`` in the same transaction as its effect, so a
redelivered event does nothing (the unique key refuses the second).

====================  =======================================================
type                  effect
====================  =======================================================
payment_succeeded     a pending charge succeeds (earnings booked)
payment_failed        a pending charge fails (its subscription goes past due)
refund_succeeded      a pending refund is paid
refund_failed         a pending refund failed (the amount owed back is reversed)
dispute_opened        a chargeback: ``data.amount`` (or all that is left) is held
dispute_won           the dispute on the charge closes in the creator's favour
dispute_lost          the processor keeps the disputed amount
payout_paid           a payout in transit arrived
payout_failed         a payout in transit came back (to the available balance)
subscription_updated  a subscription billed by the provider: ``data`` is its state
                      (see :mod:`socialflow.payments.remote_subscriptions`)
subscription_paid     a payment (invoice) of such a subscription, ``provider_ref``
                      the invoice: booked once (``data``: ``subscription_ref``,
                      ``amount``, ``currency``, ``processor_fee``, and the state)
====================  =======================================================

``payment_succeeded`` may carry ``data.processor_fee`` (and
``processor_fee_currency``): the processor's fee, booked to
``processor_fees``. A dispute event may carry ``data.dispute_fees``, the
processor's fees on the dispute as ``[transaction_ref, fee, currency]``
(a won dispute's returned fee is negative): each is booked to
``processor_fees`` once. A ``dispute_won``/``dispute_lost`` for a dispute never
seen (its opening event lost or still to come) opens it from
``data.charge_ref`` first. Rows an event changes are locked first, so two
deliveries at once (two API processes) apply it once. Other types are
recorded and ignored.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialflow.core.errors import Problem
from socialflow.payments import charges, payouts, postings, refunds, remote_subscriptions
from socialflow.payments.models import (
    CHARGES,
    DISPUTES,
    PAYOUTS,
    REFUNDS,
    WEBHOOK_EVENTS,
    Charge,
    Dispute,
    Payout,
    Refund,
    WebhookReceipt,
)
from socialflow.payments.settings import PaymentSettings
from socialflow.plugins.protocols import PaymentResult, WebhookEvent


def _charge(session: Session, ref: str | None) -> Charge | None:
    if ref is None:
        return None
    return session.scalars(
        select(Charge).where(CHARGES.c.provider_ref == ref).with_for_update()
    ).first()


def _disputed_charge(
    session: Session, settings: PaymentSettings, event: WebhookEvent, *, test_mode: bool
) -> Charge | None:
    """The charge a dispute event is about. A dispute proves the payment went through:
    when its success has not reached us yet (``data.charge_status``), it is applied first."""
    charge = _charge(session, str(event.data.get("charge_ref") or event.provider_ref))
    paid = event.data.get("charge_status") == "succeeded"
    if charge is not None and charge.status == "pending" and paid:
        result = PaymentResult(
            provider_ref=charge.provider_ref or "",
            status="succeeded",
            amount=charge.amount,
            currency=charge.currency,
            raw=event.data,
        )
        charges.apply_result(session, settings, charge, result, test_mode=test_mode)
    return charge


def _dispute(
    session: Session, settings: PaymentSettings, event: WebhookEvent, *, test_mode: bool
) -> tuple[str, int | None]:
    charge = _disputed_charge(session, settings, event, test_mode=test_mode)
    charge_id = charge.id if charge is not None else None
    if event.type == "dispute_opened":
        if charge is None or charge.status != "succeeded":
            return "unknown charge", None
        amount = event.data.get("amount")
        try:
            dispute = refunds.open_dispute(
                session,
                charge_id=int(charge.id or 0),
                amount=amount if type(amount) is int else None,
                provider_ref=str(event.data.get("dispute_ref") or event.id),
            )
        except Problem as exc:  # nothing left of the charge to hold
            return f"dispute not opened: {exc.detail}", charge_id
        _book_fees(session, dispute, event)
        return f"dispute {dispute.id} opened", charge_id
    dispute_id = _dispute_id(session, event)
    if dispute_id is None:
        return "unknown dispute", charge_id
    closed = refunds.close_dispute(session, dispute_id=dispute_id, won=event.type == "dispute_won")
    _book_fees(session, closed, event)
    return f"dispute {closed.id} {closed.status}", charge_id


def _book_fees(session: Session, dispute: Dispute, event: WebhookEvent) -> None:
    """The processor's fees on the dispute, each balance transaction once."""
    fees = event.data.get("dispute_fees")
    if not isinstance(fees, list):
        return
    for item in fees:
        if not isinstance(item, list | tuple) or len(item) != 3:
            continue
        ref, fee, currency = item
        if type(fee) is int and isinstance(ref, str) and isinstance(currency, str):
            postings.dispute_fee(session, dispute, ref, fee, currency)


def _dispute_id(session: Session, event: WebhookEvent) -> int | None:
    """The dispute a closing event is about; opened first when its opening was missed."""
    data = event.data
    dispute_ref = str(data.get("dispute_ref") or event.provider_ref)
    query = select(DISPUTES.c.id).where(DISPUTES.c.provider_ref == dispute_ref)
    found = session.scalar(query)
    if found is None and data.get("charge_ref"):
        charge = _charge(session, str(data["charge_ref"]))
        if charge is None or charge.status != "succeeded":
            return None
        amount = data.get("amount")
        opened = refunds.open_dispute(
            session,
            charge_id=int(charge.id or 0),
            amount=amount if type(amount) is int else None,
            provider_ref=dispute_ref,
        )
        return opened.id
    return int(found) if found is not None else None


def _apply(
    session: Session, settings: PaymentSettings, event: WebhookEvent, *, test_mode: bool
) -> tuple[str, int | None]:
    ref = event.provider_ref
    data = event.data
    if event.type in ("payment_succeeded", "payment_failed"):
        charge = _charge(session, ref)
        if charge is None:
            return "unknown charge", None
        result = PaymentResult(
            provider_ref=charge.provider_ref or "",
            status="succeeded" if event.type == "payment_succeeded" else "failed",
            amount=charge.amount,
            currency=charge.currency,
            raw=data,
        )
        charges.apply_result(session, settings, charge, result, test_mode=test_mode)
        charges.book_processor_fee(session, charge, data)  # also when it came after
        return f"charge {charge.id} {charge.status}", charge.id
    if event.type in ("refund_succeeded", "refund_failed"):
        refund = session.scalars(
            select(Refund).where(REFUNDS.c.provider_ref == ref).with_for_update()
        ).first()
        if refund is None:
            return "unknown refund", None
        refunds.settle(
            session, refund, succeeded=event.type == "refund_succeeded", provider_ref=ref
        )
        return f"refund {refund.id} {refund.status}", None
    if event.type in ("dispute_opened", "dispute_won", "dispute_lost"):
        return _dispute(session, settings, event, test_mode=test_mode)
    if event.type in ("payout_paid", "payout_failed"):
        payout = session.scalars(
            select(Payout).where(PAYOUTS.c.provider_ref == ref).with_for_update()
        ).first()
        if payout is None:
            return "unknown payout", None
        payouts.settle(
            session,
            payout,
            PaymentResult(
                provider_ref=ref or "",
                status="succeeded" if event.type == "payout_paid" else "failed",
                amount=payout.amount,
                currency=payout.currency,
                raw={"failure_message": str(data.get("failure_message", ""))},
            ),
        )
        return f"payout {payout.id} {payout.status}", None
    if event.type == "subscription_updated":
        return remote_subscriptions.apply_state(session, ref, data), None
    if event.type == "subscription_paid":
        booked = remote_subscriptions.book_payment(
            session, settings, ref, data, test_mode=test_mode
        )
        state = data.get("state")
        if isinstance(state, dict):
            remote_subscriptions.apply_state(session, str(data.get("subscription_ref")), state)
        return booked, None
    return "ignored", None


def process(
    session: Session,
    settings: PaymentSettings,
    *,
    provider_name: str,
    event: WebhookEvent,
    test_mode: bool,
) -> tuple[bool, str, int | None]:
    """Apply ``event`` once: ``(first_time, outcome, charge_id)``; the caller commits.

    ``charge_id`` names a charge whose outcome changed (its subscription is settled after).
    """
    seen = session.scalar(
        select(WEBHOOK_EVENTS.c.id).where(
            WEBHOOK_EVENTS.c.provider == provider_name, WEBHOOK_EVENTS.c.event_id == event.id
        )
    )
    if seen is not None:
        return False, "already processed", None
    outcome, charge_id = _apply(session, settings, event, test_mode=test_mode)
    try:
        with session.begin_nested():
            session.add(
                WebhookReceipt(
                    provider=provider_name,
                    event_id=event.id[:255],
                    event_type=event.type[:64],
                    outcome=outcome[:200],
                )
            )
            session.flush()
    except IntegrityError:
        # Delivered twice at once: the other delivery applies it; undo ours.
        session.rollback()
        return False, "already processed", None
    return True, outcome, charge_id
