"""The double-entry ledger: the public service other apps post money movements through.

Accounts (:class:`AccountKind`) belong to the platform or to one creator.
An entry is two or more lines whose signed amounts (debit > 0, credit < 0)
sum to zero per currency; a balance is the sum of an account's lines in one
currency, read with :func:`balance` (never stored). Entries and lines are
immutable: a mistake is corrected by a new, reversing entry.

The database holds the rules as well (the app's migration): lines are
written first, then their entry; inserting the entry checks that its
``line_count`` lines exist and balance per currency, a line for an entry
that already exists is refused, a line whose entry never arrives fails its
deferred foreign key at commit, and UPDATE/DELETE on either table is refused.
On PostgreSQL a deferred constraint trigger checks each touched entry again
at commit, so concurrent transactions cannot slip a line into a closed entry.

Other apps (ads) use :func:`post`, :func:`account` and :func:`balance`::

    from socialflow.payments import ledger
    from socialflow.payments.ledger import AccountKind

    clearing = ledger.account(session, AccountKind.processor_clearing)
    revenue = ledger.account(session, AccountKind.platform_revenue)
    ledger.post(session, kind="ad_spend", cause=("ad_campaign", str(campaign.id)),
                key=f"ad-spend:{campaign.id}:{day}",
                lines=[ledger.debit(clearing, 500, "usd"), ledger.credit(revenue, 500, "usd")])
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialflow.payments.models import ACCOUNTS, ENTRIES, LINES, LedgerAccount, LedgerEntry

CURRENCY = re.compile(r"^[a-z]{3}$")


class AccountKind(StrEnum):
    """The chart of accounts. ``DEBIT_NORMAL`` kinds are assets (balance = debits - credits);
    the others are liabilities or income (balance = credits - debits)."""

    processor_clearing = "processor_clearing"  # money held for us at the processor
    platform_revenue = "platform_revenue"  # the platform's own sales (ad spend...)
    platform_fees = "platform_fees"  # the platform's share of creators' earnings
    creator_pending = "creator_pending"  # a creator's earnings not yet payable (per creator)
    creator_available = "creator_available"  # payable to a creator (per creator)
    payouts_in_transit = "payouts_in_transit"  # sent to a bank, not yet confirmed
    refunds = "refunds"  # owed back to payers until the processor confirms the refund
    disputes = "disputes"  # held by the processor while a chargeback is open
    processor_fees = "processor_fees"  # the processor's own fees, paid by the platform
    advertiser_prepaid = "advertiser_prepaid"  # an advertiser's unspent top-ups (per advertiser)
    ad_revenue = "ad_revenue"  # ad spend earned by the platform, before creators' shares


DEBIT_NORMAL = frozenset({AccountKind.processor_clearing, AccountKind.processor_fees})
CREATOR_KINDS = frozenset({AccountKind.creator_pending, AccountKind.creator_available})
# Kinds with one account per user: a creator's earnings, an advertiser's prepaid balance.
OWNED_KINDS = CREATOR_KINDS | {AccountKind.advertiser_prepaid}


class UnbalancedEntryError(ValueError):
    """An entry to post is malformed: fewer than two lines, a zero, float or bool
    amount, a bad currency code, or lines that do not sum to zero per currency."""


@dataclass(frozen=True)
class Line:
    """One side of an entry to post: ``amount`` > 0 debits, < 0 credits ``account_id``."""

    account_id: int
    amount: int
    currency: str


def _id(account: LedgerAccount | int) -> int:
    if isinstance(account, LedgerAccount):
        assert account.id is not None
        return account.id
    return account


def debit(account: LedgerAccount | int, amount: int, currency: str) -> Line:
    return Line(_id(account), amount, currency)


def credit(account: LedgerAccount | int, amount: int, currency: str) -> Line:
    return Line(_id(account), -amount, currency)


def account(session: Session, kind: AccountKind, owner_id: int = 0) -> LedgerAccount:
    """The account of ``kind`` (a creator's or advertiser's when ``owner_id`` is given),
    created on first use."""
    if (kind in OWNED_KINDS) != (owner_id != 0):
        raise ValueError(f"{kind} accounts {'need' if kind in OWNED_KINDS else 'take no'} owner")
    query = select(LedgerAccount).where(
        ACCOUNTS.c.kind == kind.value, ACCOUNTS.c.owner_id == owner_id
    )
    found = session.scalars(query).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            created = LedgerAccount(kind=kind.value, owner_id=owner_id)
            session.add(created)
            session.flush()
        return created
    except IntegrityError:  # created meanwhile by a concurrent transaction
        return session.scalars(query).one()


def lock(session: Session, account_: LedgerAccount) -> None:
    """Hold ``account_`` until the transaction ends (``SELECT ... FOR UPDATE``), so that a
    decision taken on its balance (a payout of all of it) is not taken twice at once.
    SQLite needs no lock: its writing transactions run one at a time."""
    session.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.id == account_.id).with_for_update())


def _validate(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntryError("an entry needs at least two lines")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if type(line.amount) is not int or line.amount == 0:
            raise UnbalancedEntryError(
                f"line amounts are non-zero integers (minor units): {line.amount!r}"
            )
        if not CURRENCY.match(line.currency):
            raise UnbalancedEntryError(f"not an ISO 4217 code in lower case: {line.currency!r}")
        totals[line.currency] += line.amount
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        raise UnbalancedEntryError(f"entry does not balance: {unbalanced}")


def post(
    session: Session,
    *,
    kind: str,
    cause: tuple[str, str],
    key: str,
    lines: Sequence[Line],
    memo: str = "",
) -> LedgerEntry:
    """Post one balanced entry caused by ``cause`` (``(type, id)``); once per ``key``.

    Posting again with a ``key`` already used returns the entry posted then
    (a task or webhook that runs twice moves money once).
    """
    existing = session.scalars(select(LedgerEntry).where(ENTRIES.c.idempotency_key == key)).first()
    if existing is not None:
        return existing
    _validate(lines)
    entry_id = uuid.uuid4().hex
    try:
        with session.begin_nested():
            session.execute(
                LINES.insert(),
                [
                    {
                        "entry_id": entry_id,
                        "seq": seq,
                        "account_id": line.account_id,
                        "currency": line.currency,
                        "amount": line.amount,
                    }
                    for seq, line in enumerate(lines, start=1)
                ],
            )
            session.execute(
                ENTRIES.insert().values(
                    id=entry_id,
                    kind=kind,
                    cause_type=cause[0],
                    cause_id=cause[1],
                    memo=memo[:200],
                    idempotency_key=key,
                    line_count=len(lines),
                )
            )
    except IntegrityError:
        existing = session.scalars(
            select(LedgerEntry).where(ENTRIES.c.idempotency_key == key)
        ).first()
        if existing is not None:
            return existing
        raise
    entry = session.get(LedgerEntry, entry_id)
    assert entry is not None
    return entry


def raw_sum(session: Session, account_id: int, currency: str) -> int:
    """Debits minus credits of one account in one currency."""
    total = session.scalar(
        select(func.coalesce(func.sum(LINES.c.amount), 0)).where(
            LINES.c.account_id == account_id, LINES.c.currency == currency
        )
    )
    return int(total or 0)


def balance(session: Session, account_: LedgerAccount, currency: str) -> int:
    """The balance of an account on its normal side (a creator's earnings are positive)."""
    assert account_.id is not None
    total = raw_sum(session, account_.id, currency)
    return total if AccountKind(account_.kind) in DEBIT_NORMAL else -total


def balances(session: Session, account_: LedgerAccount) -> dict[str, int]:
    """The account's balance in every currency it has lines in."""
    rows = session.execute(
        select(LINES.c.currency, func.sum(LINES.c.amount))
        .where(LINES.c.account_id == account_.id)
        .group_by(LINES.c.currency)
    ).all()
    sign = 1 if AccountKind(account_.kind) in DEBIT_NORMAL else -1
    return {currency: sign * int(total) for currency, total in rows}


def creator_balance(session: Session, kind: AccountKind, creator_id: int, currency: str) -> int:
    """A creator's pending or available balance (0 when they have no account yet)."""
    found = session.scalars(
        select(LedgerAccount).where(
            ACCOUNTS.c.kind == kind.value, ACCOUNTS.c.owner_id == creator_id
        )
    ).first()
    return balance(session, found, currency) if found is not None else 0


def unbalanced_entries(session: Session) -> list[tuple[str, str, int]]:
    """``(entry_id, currency, sum)`` of every entry whose lines do not sum to zero
    (always empty: the database refuses them; ``socialflow payments reconcile`` checks)."""
    rows = session.execute(
        select(LINES.c.entry_id, LINES.c.currency, func.sum(LINES.c.amount))
        .group_by(LINES.c.entry_id, LINES.c.currency)
        .having(func.sum(LINES.c.amount) != 0)
    ).all()
    orphans = session.execute(
        select(LINES.c.entry_id, LINES.c.currency, func.sum(LINES.c.amount))
        .select_from(LINES.outerjoin(ENTRIES, ENTRIES.c.id == LINES.c.entry_id))
        .where(ENTRIES.c.id.is_(None))
        .group_by(LINES.c.entry_id, LINES.c.currency)
    ).all()
    return [(str(e), str(c), int(s)) for e, c, s in [*rows, *orphans]]


def trial_balance(session: Session) -> dict[str, int]:
    """Sum of every line per currency: zero in each when the books balance."""
    rows = session.execute(
        select(LINES.c.currency, func.sum(LINES.c.amount)).group_by(LINES.c.currency)
    ).all()
    return {str(c): int(s) for c, s in rows}


def reverse(
    session: Session, entry: LedgerEntry, *, key: str, kind: str, memo: str = ""
) -> LedgerEntry:
    """Post the mirror image of ``entry`` (every line negated), caused by the same cause:
    how a movement is undone in an immutable journal."""
    rows = session.execute(
        select(LINES.c.account_id, LINES.c.amount, LINES.c.currency)
        .where(LINES.c.entry_id == entry.id)
        .order_by(LINES.c.seq)
    ).all()
    return post(
        session,
        kind=kind,
        cause=(entry.cause_type, entry.cause_id),
        key=key,
        memo=memo or f"reverses {entry.id}",
        lines=[Line(int(a), -int(m), str(c)) for a, m, c in rows],
    )


def entry_by_key(session: Session, key: str) -> LedgerEntry | None:
    return session.scalars(select(LedgerEntry).where(ENTRIES.c.idempotency_key == key)).first()
