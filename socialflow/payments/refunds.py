"""Refunds and disputes (chargebacks): money going back to a payer, through the ledger.

A refund is granted by the charge's creator or by staff, for all or part of
what is left of the charge. It is written ``pending`` with its ledger entry
(the creator's share and the platform's fee part owed back, to ``refunds``)
and committed; :func:`send` asks the provider with the refund's key and
records the outcome (paid: ``refunds`` -> clearing; failed: the owed entry is
reversed). A dispute arrives from the provider (webhook): opened, the amount
is held (to ``disputes``); lost, the processor keeps it; won, it comes back.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.accounts.models import ROLE_RANK, Role, User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.platform import Platform
from socialflow.payments import calls, ledger, postings
from socialflow.payments.fees import fee_share
from socialflow.payments.models import CHARGES, DISPUTES, REFUNDS, Charge, Dispute, Refund
from socialflow.plugins.protocols import PaymentProvider


def taken_back(session: Session, charge_id: int) -> int:
    """What was refunded (or is being) and held by disputes not won, of one charge."""
    refunded = session.scalar(
        select(func.coalesce(func.sum(REFUNDS.c.amount), 0)).where(
            REFUNDS.c.charge_id == charge_id, REFUNDS.c.status != "failed"
        )
    )
    disputed = session.scalar(
        select(func.coalesce(func.sum(DISPUTES.c.amount), 0)).where(
            DISPUTES.c.charge_id == charge_id, DISPUTES.c.status != "won"
        )
    )
    return int(refunded or 0) + int(disputed or 0)


def _locked_charge(session: Session, charge_id: int) -> Charge | None:
    return session.scalars(
        select(Charge).where(CHARGES.c.id == charge_id).with_for_update()
    ).first()


def _is_staff(user: User) -> bool:
    return ROLE_RANK.get(Role(user.role), 0) >= ROLE_RANK[Role.admin]


def create(
    session: Session, *, actor: User, charge_id: int, amount: int | None, reason: str = ""
) -> Refund:
    """Refund ``amount`` (None: all that is left) of a charge the actor received."""
    charge = _locked_charge(session, charge_id)
    if charge is None or not (charge.creator_id == actor.id or _is_staff(actor)):
        raise NotFound("No such charge.")
    if charge.status != "succeeded":
        raise Conflict("Only a succeeded charge can be refunded.", slug="charge-not-refundable")
    before = taken_back(session, charge_id)
    left = charge.amount - before
    wanted = left if amount is None else amount
    if left <= 0:
        raise Conflict("This charge was refunded in full.", slug="charge-not-refundable")
    if not 0 < wanted <= left:
        raise ValidationProblem(
            f"A refund of this charge is between 1 and {left}.", slug="refund-out-of-range"
        )
    part = fee_share(
        charge_amount=charge.amount, charge_fee=charge.fee, before=before, after=before + wanted
    )
    refund = Refund(
        charge_id=charge_id, amount=wanted, fee_part=part, status="pending", reason=reason[:200]
    )
    session.add(refund)
    session.flush()
    postings.refund_owed(session, refund, charge, part)
    return refund


def settle(
    session: Session, refund: Refund, *, succeeded: bool, provider_ref: str | None
) -> Refund:
    if refund.status != "pending":
        return refund
    charge = session.get(Charge, refund.charge_id)
    assert charge is not None
    refund.provider_ref = provider_ref
    if succeeded:
        refund.status = "succeeded"
        postings.refund_paid(session, refund, charge)
        record_event(session, "refund_succeeded", refund_id=refund.id, charge_id=charge.id)
    else:
        refund.status = "failed"
        owed = ledger.entry_by_key(session, f"refund:{refund.id}:owed")
        assert owed is not None
        ledger.reverse(session, owed, key=f"refund:{refund.id}:failed", kind="refund_failed")
    session.add(refund)
    return refund


def send(platform: Platform, provider: PaymentProvider, refund_id: int) -> Refund:
    """Ask the provider to refund (again, with the same key, after a timeout).

    Commits: the outcome in its own transaction after the provider call (see
    :mod:`socialflow.payments.calls`).
    """
    with platform.session() as session:
        refund = session.get(Refund, refund_id)
        assert refund is not None, f"no refund {refund_id}"
        if refund.status != "pending":
            return refund
        charge = session.get(Charge, refund.charge_id)
        assert charge is not None
        assert charge.provider_ref is not None
        charge_ref, amount = charge.provider_ref, refund.amount
    result = calls.invoke(
        platform,
        provider,
        key=f"refund:{refund_id}",
        operation="refund",
        call=lambda k: provider.refund(charge_ref=charge_ref, amount=amount, idempotency_key=k),
    )
    with platform.session() as session:
        locked = session.scalars(
            select(Refund).where(REFUNDS.c.id == refund_id).with_for_update()
        ).one()
        if result.status != "pending":
            settle(
                session,
                locked,
                succeeded=result.status == "succeeded",
                provider_ref=result.provider_ref,
            )
        session.commit()
        session.refresh(locked)
        return locked


def pending_ids(session: Session) -> list[int]:
    rows = session.execute(select(REFUNDS.c.id).where(REFUNDS.c.status == "pending"))
    return [int(r[0]) for r in rows]


def open_dispute(
    session: Session, *, charge_id: int, amount: int | None, provider_ref: str | None
) -> Dispute:
    """A chargeback on a charge: its amount (None: all that is left) is held."""
    charge = _locked_charge(session, charge_id)
    if charge is None or charge.status != "succeeded":
        raise NotFound("No such charge.")
    if provider_ref is not None:
        existing = session.scalars(
            select(Dispute).where(DISPUTES.c.provider_ref == provider_ref)
        ).first()
        if existing is not None:
            return existing
    before = taken_back(session, charge_id)
    left = charge.amount - before
    wanted = min(left, amount) if amount is not None else left
    if wanted <= 0:
        raise Conflict("Nothing is left of this charge to dispute.", slug="charge-not-disputable")
    part = fee_share(
        charge_amount=charge.amount, charge_fee=charge.fee, before=before, after=before + wanted
    )
    dispute = Dispute(
        charge_id=charge_id, amount=wanted, fee_part=part, status="open", provider_ref=provider_ref
    )
    session.add(dispute)
    session.flush()
    postings.dispute_opened(session, dispute, charge, part)
    record_event(session, "dispute_opened", dispute_id=dispute.id, charge_id=charge_id)
    return dispute


def close_dispute(session: Session, *, dispute_id: int, won: bool) -> Dispute:
    dispute = session.scalars(
        select(Dispute).where(DISPUTES.c.id == dispute_id).with_for_update()
    ).first()
    if dispute is None:
        raise NotFound("No such dispute.")
    if dispute.status != "open":
        return dispute
    charge = session.get(Charge, dispute.charge_id)
    assert charge is not None
    dispute.status = "won" if won else "lost"
    dispute.closed_at = utcnow()
    postings.dispute_closed(session, dispute, charge, won=won, fee_part=dispute.fee_part)
    session.add(dispute)
    record_event(session, "dispute_closed", dispute_id=dispute.id, won=won)
    return dispute
