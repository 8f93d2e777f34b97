"""Trending hashtags and posts over sliding windows, maintained incrementally.

Writes add one to a (kind, key, bucket) counter: O(1) per engagement. Reads
sum the buckets inside the window (``1h`` = the last 12 five-minute buckets
by default), grouped by key: the cost depends on activity in the window, not
on the number of posts. Old buckets are pruned by ``prune``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlmodel import Session

from socialflow.core.db.sqlutil import upsert_increment
from socialflow.core.errors import ValidationProblem
from socialflow.social.models import TrendingCounter

COUNTERS = TrendingCounter.__table__  # type: ignore[attr-defined]
WINDOWS = {"1h": 3600, "24h": 86400}
# Weights of engagement kinds in the trending-post score.
POST_WEIGHTS = {"like": 1, "comment": 2, "share": 3}


def bucket_of(now: float, bucket_seconds: int) -> int:
    return int(now // bucket_seconds) * bucket_seconds


def window_seconds(window: str) -> int:
    try:
        return WINDOWS[window]
    except KeyError:
        raise ValidationProblem(
            f"window must be one of {', '.join(WINDOWS)}.", slug="invalid-window"
        ) from None


def count(
    session: Session,
    *,
    kind: str,
    keys: Iterable[str],
    bucket_seconds: int,
    amount: int = 1,
    now: float | None = None,
) -> None:
    """Add ``amount`` to the current bucket of each key (kind ``tag`` or ``post``)."""
    bucket = bucket_of(time.time() if now is None else now, bucket_seconds)
    for key in keys:
        upsert_increment(
            session, COUNTERS, {"kind": kind, "key": key, "bucket": bucket}, "count", amount
        )


def count_post_engagement(
    session: Session, *, post_id: int, action: str, bucket_seconds: int, now: float | None = None
) -> None:
    count(
        session,
        kind="post",
        keys=[str(post_id)],
        amount=POST_WEIGHTS[action],
        bucket_seconds=bucket_seconds,
        now=now,
    )


def top(
    session: Session,
    *,
    kind: str,
    window: str,
    limit: int,
    bucket_seconds: int,
    now: float | None = None,
    exclude: set[str] | None = None,
) -> list[tuple[str, int]]:
    """The keys with the highest sums over ``window``, best first (ties by key)."""
    now = time.time() if now is None else now
    start = bucket_of(now - window_seconds(window), bucket_seconds) + bucket_seconds
    total = func.sum(COUNTERS.c.count).label("total")
    statement = (
        select(COUNTERS.c.key, total)
        .where(COUNTERS.c.kind == kind, COUNTERS.c.bucket >= start)
        .group_by(COUNTERS.c.key)
        .order_by(total.desc(), COUNTERS.c.key)
        .limit(limit + len(exclude or ()))
    )
    rows = [(key, int(value)) for key, value in session.execute(statement)]
    if exclude:
        rows = [row for row in rows if row[0] not in exclude]
    return rows[:limit]


def prune(session: Session, *, bucket_seconds: int, now: float | None = None) -> int:
    """Drop buckets older than the longest window; returns rows removed."""
    now = time.time() if now is None else now
    cutoff = bucket_of(now - max(WINDOWS.values()), bucket_seconds)
    result = session.execute(delete(COUNTERS).where(COUNTERS.c.bucket < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
