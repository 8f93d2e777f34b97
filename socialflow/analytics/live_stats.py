"""Live stream audiences: peak viewers and when, joins, distinct viewers per stream.

The live app records a ``live_viewers_changed`` event at every viewer
connection change (live sits above analytics in the import order, so it tells
analytics through a domain event rather than analytics reading its tables);
the rollup keeps one row per stream and hour (``analytics_live_hours``).
Watch time is not counted: the live app tracks connections, not playback.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.analytics.models import LiveHour

LIVE = LiveHour.__table__  # type: ignore[attr-defined]


def live_streams(
    session: Session, *, creator_id: int, start: datetime, end: datetime
) -> dict[str, Any]:
    """Each of the creator's streams with audience in the period: peak (the first moment
    it was reached), joins, distinct viewers; most recent first, and the totals."""
    rows = session.execute(
        select(LIVE)
        .where(LIVE.c.creator_id == creator_id, LIVE.c.hour >= start, LIVE.c.hour < end)
        .order_by(LIVE.c.hour)
    ).all()
    streams: dict[int, dict[str, Any]] = {}
    for row in rows:
        found = streams.setdefault(
            row.stream_id,
            {
                "stream_id": row.stream_id,
                "peak_viewers": -1,
                "peak_at": None,
                "joins": 0,
                "total_viewers": 0,
                "first_hour": row.hour,
                "last_hour": row.hour,
            },
        )
        if row.peak_viewers > found["peak_viewers"]:
            found["peak_viewers"], found["peak_at"] = row.peak_viewers, row.peak_at
        found["joins"] += row.joins
        found["total_viewers"] = max(found["total_viewers"], row.total_viewers)
        found["last_hour"] = row.hour
    items = []
    for found in sorted(streams.values(), key=lambda s: s["last_hour"], reverse=True):
        items.append(
            {
                "stream_id": found["stream_id"],
                "peak_viewers": found["peak_viewers"],
                "peak_at": found["peak_at"].astimezone(UTC).isoformat(),
                "joins": found["joins"],
                "total_viewers": found["total_viewers"],
                "first_hour": found["first_hour"].astimezone(UTC).isoformat(),
                "last_hour": found["last_hour"].astimezone(UTC).isoformat(),
            }
        )
    return {
        "streams": items,
        "peak_viewers": max((s["peak_viewers"] for s in items), default=0),
        "joins": sum(s["joins"] for s in items),
    }
