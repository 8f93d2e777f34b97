"""The ledger entries of each business event: which accounts move, and why.

One function per event; each posts one entry with an idempotency key derived
from its cause, so running it again (a retried task, a webhook delivered
twice) posts nothing more. Signs: debit > 0, credit < 0 (see ``ledger``).

========================  ==========================================================
event                     lines
========================  ==========================================================
charge succeeded          Dr processor_clearing gross; Cr platform_fees fee;
                          Cr creator_pending (gross - fee)
processor fee             Dr processor_fees fee; Cr processor_clearing fee
earnings released         Dr creator_pending share; Cr creator_available share
refund owed               Dr creator_available creator part; Dr platform_fees fee part;
                          Cr refunds amount
refund paid               Dr refunds amount; Cr processor_clearing amount
dispute opened            as a refund owed, to ``disputes``
dispute lost              Dr disputes amount; Cr processor_clearing amount
dispute won               Dr disputes amount; Cr creator_available / platform_fees
payout sent               Dr creator_available amount; Cr payouts_in_transit amount
payout paid               Dr payouts_in_transit amount; Cr processor_clearing amount
payout failed             Dr payouts_in_transit amount; Cr creator_available amount
========================  ==========================================================

Refunds and chargebacks come out of the *available* balance, which may go
below zero (a refund after a payout); the next earnings settle it, and no
payout leaves while it is below the minimum.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind, Line
from socialflow.payments.models import Charge, Dispute, LedgerEntry, Payout, Refund


def _acc(session: Session, kind: AccountKind, owner: int = 0) -> int:
    found = ledger.account(session, kind, owner)
    assert found.id is not None
    return found.id


def _lines(*pairs: tuple[int, int], currency: str) -> list[Line]:
    return [Line(account, amount, currency) for account, amount in pairs if amount != 0]


def charge_succeeded(session: Session, charge: Charge) -> LedgerEntry:
    share = charge.amount - charge.fee
    return ledger.post(
        session,
        kind="charge",
        cause=("charge", str(charge.id)),
        key=f"charge:{charge.id}:captured",
        memo=f"{charge.kind} from user {charge.payer_id}",
        lines=_lines(
            (_acc(session, AccountKind.processor_clearing), charge.amount),
            (_acc(session, AccountKind.platform_fees), -charge.fee),
            (_acc(session, AccountKind.creator_pending, charge.creator_id), -share),
            currency=charge.currency,
        ),
    )


def processor_fee(session: Session, charge: Charge, fee: int, currency: str) -> LedgerEntry | None:
    """The processor's fee on a charge (known once it settles), an expense of the platform:
    the creator's share is computed on the gross and stays exact."""
    if fee <= 0:
        return None
    return ledger.post(
        session,
        kind="processor_fee",
        cause=("charge", str(charge.id)),
        key=f"charge:{charge.id}:processor-fee",
        memo=f"processor fee on charge {charge.id}",
        lines=_lines(
            (_acc(session, AccountKind.processor_fees), fee),
            (_acc(session, AccountKind.processor_clearing), -fee),
            currency=currency.lower(),
        ),
    )


def earnings_released(session: Session, charge: Charge) -> LedgerEntry | None:
    share = charge.amount - charge.fee
    if share == 0:
        return None
    return ledger.post(
        session,
        kind="release",
        cause=("charge", str(charge.id)),
        key=f"charge:{charge.id}:released",
        lines=_lines(
            (_acc(session, AccountKind.creator_pending, charge.creator_id), share),
            (_acc(session, AccountKind.creator_available, charge.creator_id), -share),
            currency=charge.currency,
        ),
    )


def _taken_back(
    session: Session,
    charge: Charge,
    *,
    to: AccountKind,
    amount: int,
    fee_part: int,
    cause: tuple[str, str],
    key: str,
    kind: str,
) -> LedgerEntry:
    return ledger.post(
        session,
        kind=kind,
        cause=cause,
        key=key,
        memo=f"charge {charge.id}",
        lines=_lines(
            (_acc(session, AccountKind.creator_available, charge.creator_id), amount - fee_part),
            (_acc(session, AccountKind.platform_fees), fee_part),
            (_acc(session, to), -amount),
            currency=charge.currency,
        ),
    )


def refund_owed(session: Session, refund: Refund, charge: Charge, fee_part: int) -> LedgerEntry:
    return _taken_back(
        session,
        charge,
        to=AccountKind.refunds,
        amount=refund.amount,
        fee_part=fee_part,
        cause=("refund", str(refund.id)),
        key=f"refund:{refund.id}:owed",
        kind="refund",
    )


def refund_paid(session: Session, refund: Refund, charge: Charge) -> LedgerEntry:
    return ledger.post(
        session,
        kind="refund_paid",
        cause=("refund", str(refund.id)),
        key=f"refund:{refund.id}:paid",
        lines=_lines(
            (_acc(session, AccountKind.refunds), refund.amount),
            (_acc(session, AccountKind.processor_clearing), -refund.amount),
            currency=charge.currency,
        ),
    )


def dispute_opened(
    session: Session, dispute: Dispute, charge: Charge, fee_part: int
) -> LedgerEntry:
    return _taken_back(
        session,
        charge,
        to=AccountKind.disputes,
        amount=dispute.amount,
        fee_part=fee_part,
        cause=("dispute", str(dispute.id)),
        key=f"dispute:{dispute.id}:opened",
        kind="dispute",
    )


def dispute_closed(
    session: Session, dispute: Dispute, charge: Charge, *, won: bool, fee_part: int
) -> LedgerEntry:
    disputes = _acc(session, AccountKind.disputes)
    pairs: tuple[tuple[int, int], ...]
    if won:
        pairs = (
            (disputes, dispute.amount),
            (
                _acc(session, AccountKind.creator_available, charge.creator_id),
                -(dispute.amount - fee_part),
            ),
            (_acc(session, AccountKind.platform_fees), -fee_part),
        )
    else:
        pairs = (
            (disputes, dispute.amount),
            (_acc(session, AccountKind.processor_clearing), -dispute.amount),
        )
    return ledger.post(
        session,
        kind="dispute_won" if won else "dispute_lost",
        cause=("dispute", str(dispute.id)),
        key=f"dispute:{dispute.id}:closed",
        lines=_lines(*pairs, currency=charge.currency),
    )


def dispute_fee(
    session: Session, dispute: Dispute, transaction_ref: str, fee: int, currency: str
) -> LedgerEntry | None:
    """The processor's fee on a dispute (one balance transaction of it), an expense of
    the platform like its fee on a charge; a negative fee (a won dispute's fee given
    back) reverses it. Once per balance transaction."""
    if fee == 0:
        return None
    return ledger.post(
        session,
        kind="dispute_fee",
        cause=("dispute_fee", transaction_ref[:64]),
        key=f"dispute:{dispute.id}:fee:{transaction_ref}",
        memo=f"processor fee on dispute {dispute.id}",
        lines=_lines(
            (_acc(session, AccountKind.processor_fees), fee),
            (_acc(session, AccountKind.processor_clearing), -fee),
            currency=currency.lower(),
        ),
    )


def payout_sent(session: Session, payout: Payout) -> LedgerEntry:
    return ledger.post(
        session,
        kind="payout",
        cause=("payout", str(payout.id)),
        key=f"payout:{payout.id}:sent",
        lines=_lines(
            (_acc(session, AccountKind.creator_available, payout.creator_id), payout.amount),
            (_acc(session, AccountKind.payouts_in_transit), -payout.amount),
            currency=payout.currency,
        ),
    )


def payout_settled(session: Session, payout: Payout, *, paid: bool) -> LedgerEntry:
    other = (
        _acc(session, AccountKind.processor_clearing)
        if paid
        else _acc(session, AccountKind.creator_available, payout.creator_id)
    )
    return ledger.post(
        session,
        kind="payout_paid" if paid else "payout_failed",
        cause=("payout", str(payout.id)),
        key=f"payout:{payout.id}:settled",
        lines=_lines(
            (_acc(session, AccountKind.payouts_in_transit), payout.amount),
            (other, -payout.amount),
            currency=payout.currency,
        ),
    )
