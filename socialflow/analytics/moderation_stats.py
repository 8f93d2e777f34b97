"""Moderation throughput for the admin statistics: reports opened and resolved per day,
open cases and appeals now.

The moderation app sits beside analytics in the import order (neither may
import the other), so its tables are read here by name, with SQLAlchemy Core
over a lightweight :func:`~sqlalchemy.table` description of the few
columns used. When moderation is switched off its tables may not exist:
``None`` then.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, column, func, inspect, select, table
from sqlmodel import Session

from socialflow.core.db.base import UTCDateTime

REPORTS = table(
    "moderation_reports",
    column("created_at", UTCDateTime()),
    column("resolved_at", UTCDateTime()),
    column("status", String()),
)
CASES = table("moderation_cases", column("status", String()))
APPEALS = table("moderation_appeals", column("status", String()))


def _days(values: Any) -> Counter[date]:
    return Counter(value.astimezone(UTC).date() for value in values if value is not None)


def moderation_throughput(
    session: Session, *, first: date, last: date, start: datetime, end: datetime
) -> dict[str, Any] | None:
    """Per day: reports opened and resolved; now: open cases, open reports, open appeals."""
    names = set(inspect(session.get_bind()).get_table_names())
    if not {"moderation_reports", "moderation_cases"} <= names:
        return None
    opened = _days(
        session.execute(
            select(REPORTS.c.created_at).where(
                REPORTS.c.created_at >= start, REPORTS.c.created_at < end
            )
        ).scalars()
    )
    resolved = _days(
        session.execute(
            select(REPORTS.c.resolved_at).where(
                REPORTS.c.resolved_at >= start, REPORTS.c.resolved_at < end
            )
        ).scalars()
    )
    daily = []
    day = first
    while day <= last:
        daily.append(
            {
                "day": day.isoformat(),
                "reports_opened": opened[day],
                "reports_resolved": resolved[day],
            }
        )
        day += timedelta(days=1)

    def count(of: Any, status: str) -> int:
        return int(session.execute(select(func.count()).where(of.c.status == status)).scalar_one())

    return {
        "daily": daily,
        "reports_opened": sum(opened.values()),
        "reports_resolved": sum(resolved.values()),
        "backlog": {
            "open_cases": count(CASES, "open"),
            "open_reports": count(REPORTS, "open"),
            "open_appeals": count(APPEALS, "open") if "moderation_appeals" in names else 0,
        },
    }
