"""What a creator sees of their money: balances by currency, and the yearly statement.

Balances come from the ledger (pending, available; in transit from the
payouts not yet settled); totals of the year (gross, the platform's fees,
refunds and chargebacks) from the charges they received.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind
from socialflow.payments.models import ACCOUNTS, CHARGES, DISPUTES, LINES, PAYOUTS, REFUNDS


def summary(session: Session, creator_id: int) -> list[dict[str, Any]]:
    """Per currency: pending, available, in transit, and lifetime gross / fees / net."""
    rows = session.execute(
        select(ACCOUNTS.c.kind, LINES.c.currency, func.sum(LINES.c.amount))
        .select_from(ACCOUNTS.join(LINES, LINES.c.account_id == ACCOUNTS.c.id))
        .where(ACCOUNTS.c.owner_id == creator_id)
        .group_by(ACCOUNTS.c.kind, LINES.c.currency)
    ).all()
    out: dict[str, dict[str, Any]] = {}

    def slot(currency: str) -> dict[str, Any]:
        return out.setdefault(
            currency,
            {
                "currency": currency,
                "pending": 0,
                "available": 0,
                "in_transit": 0,
                "gross": 0,
                "fees": 0,
                "refunded": 0,
                "disputed": 0,
                "paid_out": 0,
            },
        )

    for kind, currency, total in rows:
        key = "pending" if kind == AccountKind.creator_pending.value else "available"
        slot(currency)[key] = -int(total)  # liabilities: credits are positive balances
    for currency, gross, fees in session.execute(
        select(CHARGES.c.currency, func.sum(CHARGES.c.amount), func.sum(CHARGES.c.fee))
        .where(CHARGES.c.creator_id == creator_id, CHARGES.c.status == "succeeded")
        .group_by(CHARGES.c.currency)
    ):
        slot(currency).update(gross=int(gross), fees=int(fees))
    for currency, status, total in session.execute(
        select(PAYOUTS.c.currency, PAYOUTS.c.status, func.sum(PAYOUTS.c.amount))
        .where(PAYOUTS.c.creator_id == creator_id, PAYOUTS.c.status.in_(["in_transit", "paid"]))
        .group_by(PAYOUTS.c.currency, PAYOUTS.c.status)
    ):
        slot(currency)["in_transit" if status == "in_transit" else "paid_out"] = int(total)
    for table, key in ((REFUNDS, "refunded"), (DISPUTES, "disputed")):
        for currency, total in session.execute(
            select(CHARGES.c.currency, func.sum(table.c.amount))
            .select_from(table.join(CHARGES, CHARGES.c.id == table.c.charge_id))
            .where(
                CHARGES.c.creator_id == creator_id,
                table.c.status.in_(["pending", "succeeded", "open", "lost"]),
            )
            .group_by(CHARGES.c.currency)
        ):
            slot(currency)[key] = int(total)
    return [out[c] for c in sorted(out)]


STATEMENT_COLUMNS = (
    "date",
    "type",
    "reference",
    "description",
    "currency",
    "gross",
    "fee",
    "net",
)


def statement_csv(session: Session, creator_id: int, year: int) -> str:
    """Every money event of the creator's ``year`` (UTC), one CSV row each, oldest first:
    earnings (gross, the platform's fee, net), refunds and chargebacks (negative), payouts."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    events: list[tuple[datetime, list[Any]]] = []
    for c in session.execute(
        select(CHARGES).where(
            CHARGES.c.creator_id == creator_id,
            CHARGES.c.status == "succeeded",
            CHARGES.c.created_at >= start,
            CHARGES.c.created_at < end,
        )
    ):
        what = f"{c.kind}" + (f" on {c.target_type} {c.target_id}" if c.target_type else "")
        events.append(
            (
                c.created_at,
                [c.kind, f"charge-{c.id}", what, c.currency, c.amount, c.fee, c.amount - c.fee],
            )
        )
    for table, label in ((REFUNDS, "refund"), (DISPUTES, "chargeback")):
        for r in session.execute(
            select(table, CHARGES.c.currency)
            .select_from(table.join(CHARGES, CHARGES.c.id == table.c.charge_id))
            .where(
                CHARGES.c.creator_id == creator_id,
                table.c.status.in_(["pending", "succeeded", "open", "lost"]),
                table.c.created_at >= start,
                table.c.created_at < end,
            )
        ):
            events.append(
                (
                    r.created_at,
                    [
                        label,
                        f"{label}-{r.id}",
                        f"of charge-{r.charge_id}",
                        r.currency,
                        -r.amount,
                        -r.fee_part,
                        -(r.amount - r.fee_part),
                    ],
                )
            )
    for p in session.execute(
        select(PAYOUTS).where(
            PAYOUTS.c.creator_id == creator_id,
            PAYOUTS.c.status.in_(["in_transit", "paid"]),
            PAYOUTS.c.created_at >= start,
            PAYOUTS.c.created_at < end,
        )
    ):
        events.append(
            (
                p.created_at,
                ["payout", f"payout-{p.id}", p.status, p.currency, -p.amount, 0, -p.amount],
            )
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STATEMENT_COLUMNS)
    for when, row in sorted(events, key=lambda e: (e[0], e[1][1])):
        writer.writerow([when.astimezone(UTC).isoformat(), *row])
    return buffer.getvalue()


def balance_of(session: Session, creator_id: int, currency: str) -> dict[str, int]:
    return {
        "pending": ledger.creator_balance(
            session, AccountKind.creator_pending, creator_id, currency
        ),
        "available": ledger.creator_balance(
            session, AccountKind.creator_available, creator_id, currency
        ),
    }
