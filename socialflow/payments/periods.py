"""Billing periods: calendar months and years, and the share of a period left."""

from __future__ import annotations

import calendar
from datetime import datetime


def add_interval(start: datetime, interval: str, count: int = 1) -> datetime:
    """``start`` plus ``count`` months or years, the day clamped to the month's last
    (Jan 31 + 1 month = Feb 28/29), as card processors bill."""
    months = count * (12 if interval == "year" else 1)
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def prorated(difference: int, *, start: datetime, end: datetime, now: datetime) -> int:
    """``difference`` (minor units) scaled by the share of [start, end) still ahead of
    ``now``, rounded down (in the payer's favour), in integer arithmetic."""
    total = int((end - start).total_seconds())
    left = max(0, min(total, int((end - now).total_seconds())))
    if total <= 0:
        return 0
    return difference * left // total
