"""Revenue from the payments ledger: by source and day, per currency, in minor units.

Read straight from the ledger's lines (never copied into analytics tables):
the ledger is the books, and a copy could drift from them. A creator's revenue
is what the ledger credits their accounts, net of the platform's fee, minus
what refunds and chargebacks take back; moving money between their own
accounts (a release) or out of them (a payout) is not revenue. Sources:

* ``subscriptions``: subscription periods and prorations;
* ``tips``;
* ``refunds`` and ``chargebacks`` (negative; a chargeback won comes back).

Other entry kinds that credit a creator (an ads app, later) appear under
their own entry kind. Platform totals add the platform's fees. Amounts are
integers; currencies are never mixed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, distinct, func, or_, select
from sqlmodel import Session

from socialflow.payments.ledger import CREATOR_KINDS, AccountKind
from socialflow.payments.models import ACCOUNTS, CHARGES, ENTRIES, LINES, SUBSCRIPTIONS

NOT_REVENUE = ("release", "payout", "payout_paid", "payout_failed")
CHARGE_SOURCES = {"subscription": "subscriptions", "proration": "subscriptions", "tip": "tips"}
ENTRY_SOURCES = {
    "refund": "refunds",
    "refund_failed": "refunds",
    "dispute": "chargebacks",
    "dispute_won": "chargebacks",
    "dispute_lost": "chargebacks",
}


def _source(entry_kind: str, charge_kind: str | None) -> str:
    if entry_kind == "charge":
        return CHARGE_SOURCES.get(charge_kind or "", charge_kind or "other")
    return ENTRY_SOURCES.get(entry_kind, entry_kind)


def _lines(session: Session, *, start: datetime, end: datetime, creator_id: int | None) -> Any:
    """Revenue lines of creators' accounts (one creator's, or all) in ``[start, end)``:
    (created_at, currency, source parts, amount)."""
    charge_id = ENTRIES.c.cause_id
    joined = (
        LINES.join(ENTRIES, ENTRIES.c.id == LINES.c.entry_id)
        .join(ACCOUNTS, ACCOUNTS.c.id == LINES.c.account_id)
        .outerjoin(
            CHARGES,
            and_(
                ENTRIES.c.kind == "charge",
                ENTRIES.c.cause_type == "charge",
                cast(CHARGES.c.id, String) == charge_id,
            ),
        )
    )
    where = [
        ACCOUNTS.c.kind.in_([k.value for k in CREATOR_KINDS]),
        ENTRIES.c.kind.not_in(NOT_REVENUE),
        ENTRIES.c.created_at >= start,
        ENTRIES.c.created_at < end,
    ]
    if creator_id is not None:
        where.append(ACCOUNTS.c.owner_id == creator_id)
    return session.execute(
        select(
            ENTRIES.c.created_at, LINES.c.currency, ENTRIES.c.kind, CHARGES.c.kind, LINES.c.amount
        )
        .select_from(joined)
        .where(*where)
    ).all()


def _by_day(rows: Any) -> dict[str, dict[str, Any]]:
    """Per currency: totals by source, and per day by source (credits are revenue)."""
    out: dict[str, dict[str, Any]] = {}
    for created_at, currency, entry_kind, charge_kind, amount in rows:
        slot = out.setdefault(
            currency,
            {"currency": currency, "net": 0, "by_source": defaultdict(int), "daily": {}},
        )
        source = _source(entry_kind, charge_kind)
        earned = -int(amount)  # creators' accounts are liabilities: a credit is earned
        day = created_at.astimezone(UTC).date().isoformat()
        slot["net"] += earned
        slot["by_source"][source] += earned
        daily = slot["daily"].setdefault(day, defaultdict(int))
        daily[source] += earned
    return out


def _shape(out: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "currency": slot["currency"],
            "net": slot["net"],
            "by_source": dict(sorted(slot["by_source"].items())),
            "daily": [
                {"day": day, "by_source": dict(sorted(sources.items()))}
                for day, sources in sorted(slot["daily"].items())
            ],
        }
        for _, slot in sorted(out.items())
    ]


def _subscribers(
    session: Session, *, creator_id: int, start: datetime, end: datetime
) -> dict[str, int]:
    """Subscriptions started and ended in the period, and those running at its start
    (a subscription whose first payment never went through is not counted)."""
    subs = SUBSCRIPTIONS
    mine = and_(subs.c.creator_id == creator_id, subs.c.status != "incomplete")

    def count(*where: Any) -> int:
        return int(session.execute(select(func.count()).where(mine, *where)).scalar_one())

    return {
        "gained": count(subs.c.created_at >= start, subs.c.created_at < end),
        "lost": count(subs.c.canceled_at >= start, subs.c.canceled_at < end),
        "at_start": count(
            subs.c.created_at < start,
            or_(subs.c.canceled_at.is_(None), subs.c.canceled_at >= start),
        ),
    }


def _payers(
    session: Session, *, creator_id: int | None, start: datetime, end: datetime
) -> dict[str, int]:
    """Distinct payers with a succeeded charge in the period, per currency."""
    where = [
        CHARGES.c.status == "succeeded",
        CHARGES.c.created_at >= start,
        CHARGES.c.created_at < end,
    ]
    if creator_id is not None:
        where.append(CHARGES.c.creator_id == creator_id)
    return {
        currency: int(n)
        for currency, n in session.execute(
            select(CHARGES.c.currency, func.count(distinct(CHARGES.c.payer_id)))
            .where(*where)
            .group_by(CHARGES.c.currency)
        )
    }


def creator_revenue(
    session: Session, *, creator_id: int, first: date, last: date, start: datetime, end: datetime
) -> dict[str, Any]:
    """A creator's revenue per currency by source and day, ARPU (net over distinct
    payers, minor units, rounded down), subscribers gained and lost, and churn (lost
    over those subscribed at the start of the period)."""
    currencies = _shape(_by_day(_lines(session, start=start, end=end, creator_id=creator_id)))
    payers = _payers(session, creator_id=creator_id, start=start, end=end)
    for slot in currencies:
        slot["payers"] = payers.get(slot["currency"], 0)
        slot["arpu"] = slot["net"] // slot["payers"] if slot["payers"] else 0
    subscribers = _subscribers(session, creator_id=creator_id, start=start, end=end)
    churn = subscribers["lost"] / subscribers["at_start"] if subscribers["at_start"] else None
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "currencies": currencies,
        "subscribers": {**subscribers, "churn": None if churn is None else round(churn, 6)},
    }


def platform_revenue(
    session: Session, *, first: date, last: date, start: datetime, end: datetime
) -> dict[str, Any]:
    """Creators' revenue across the platform per currency and source, with the platform's
    fees (net of what refunds and chargebacks gave back) and paying users."""
    currencies = _shape(_by_day(_lines(session, start=start, end=end, creator_id=None)))
    fees = dict(
        session.execute(
            select(LINES.c.currency, -func.sum(LINES.c.amount))
            .select_from(
                LINES.join(ENTRIES, ENTRIES.c.id == LINES.c.entry_id).join(
                    ACCOUNTS, ACCOUNTS.c.id == LINES.c.account_id
                )
            )
            .where(
                ACCOUNTS.c.kind == AccountKind.platform_fees.value,
                ENTRIES.c.created_at >= start,
                ENTRIES.c.created_at < end,
            )
            .group_by(LINES.c.currency)
        ).all()
    )
    payers = _payers(session, creator_id=None, start=start, end=end)
    known = {slot["currency"] for slot in currencies}
    for currency in sorted(set(fees) - known):
        currencies.append({"currency": currency, "net": 0, "by_source": {}, "daily": []})
    for slot in currencies:
        slot["platform_fees"] = int(fees.get(slot["currency"], 0) or 0)
        slot["payers"] = payers.get(slot["currency"], 0)
        slot["arpu"] = (
            (slot["net"] + slot["platform_fees"]) // slot["payers"] if slot["payers"] else 0
        )
    currencies.sort(key=lambda slot: slot["currency"])
    return {"from": first.isoformat(), "to": last.isoformat(), "currencies": currencies}
