"""Reading the rollups: a creator's overview, one video's statistics.

Only the rollup tables are read (never the raw events), so these answer in
time proportional to the period asked for, whatever the traffic. Numbers are
as fresh as the last rollup (``rollup_interval`` in ``[plugin.analytics]``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import desc, func, select
from sqlmodel import Session

from socialflow.analytics.audience import audience
from socialflow.analytics.models import (
    CreatorDay,
    VideoDay,
    VideoDropoffDay,
    VideoHour,
    VideoSourceDay,
)
from socialflow.analytics.rollup import day_start
from socialflow.video.models import Video

CREATOR_DAYS = CreatorDay.__table__  # type: ignore[attr-defined]
VIDEO_DAYS = VideoDay.__table__  # type: ignore[attr-defined]
VIDEO_HOURS = VideoHour.__table__  # type: ignore[attr-defined]
SOURCES = VideoSourceDay.__table__  # type: ignore[attr-defined]
DROPOFFS = VideoDropoffDay.__table__  # type: ignore[attr-defined]
VIDEOS = Video.__table__  # type: ignore[attr-defined]
COUNTERS = (
    "views",
    "watch_seconds",
    "likes",
    "unlikes",
    "comments",
    "shares",
    "follows_gained",
    "follows_lost",
)


def period(days: int, today: date | None = None) -> tuple[date, date, datetime, datetime]:
    """The last ``days`` whole UTC days up to and including today."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    return first, last, day_start(first), day_start(last + timedelta(days=1))


def _series(
    rows: list[dict[str, Any]], fields: tuple[str, ...], first: date, last: date
) -> list[dict[str, Any]]:
    by_day: dict[date, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(fields, 0))
    for row in rows:
        bucket = by_day[row["hour"].astimezone(UTC).date()]
        for name in fields:
            bucket[name] += row[name]
    out = []
    day = first
    while day <= last:
        out.append({"day": day.isoformat(), **by_day[day]})
        day += timedelta(days=1)
    return out


def _day_series(
    rows: list[dict[str, Any]], fields: tuple[str, ...], first: date, last: date
) -> list[dict[str, Any]]:
    """One entry per day from ``first`` to ``last``, from rows keyed by ``day``."""
    by_day = {row["day"]: row for row in rows}
    out = []
    day = first
    while day <= last:
        found = by_day.get(day)
        out.append(
            {"day": day.isoformat(), **{name: found[name] if found else 0 for name in fields}}
        )
        day += timedelta(days=1)
    return out


def creator_overview(session: Session, *, creator_id: int, days: int) -> dict[str, Any]:
    """Totals, a daily series and the top videos of ``creator_id`` over ``days`` days."""
    first, last, _start, _end = period(days)
    # The daily tables: a year is 366 creator rows, and the top videos come from the
    # (creator_id, day, ...) index alone.
    rows = [
        dict(row._mapping)
        for row in session.execute(
            select(CREATOR_DAYS).where(
                CREATOR_DAYS.c.creator_id == creator_id,
                CREATOR_DAYS.c.day >= first,
                CREATOR_DAYS.c.day <= last,
            )
        )
    ]
    daily = _day_series(rows, COUNTERS, first, last)
    totals = {name: sum(row[name] for row in daily) for name in COUNTERS}
    totals["net_followers"] = totals["follows_gained"] - totals["follows_lost"]
    ranked = (
        select(
            VIDEO_DAYS.c.video_id,
            func.sum(VIDEO_DAYS.c.views).label("views"),
            func.sum(VIDEO_DAYS.c.watch_seconds).label("watch_seconds"),
        )
        .where(
            VIDEO_DAYS.c.creator_id == creator_id,
            VIDEO_DAYS.c.day >= first,
            VIDEO_DAYS.c.day <= last,
        )
        .group_by(VIDEO_DAYS.c.video_id)
        .subquery()
    )
    top = session.execute(
        select(ranked.c.video_id, VIDEOS.c.title, ranked.c.views, ranked.c.watch_seconds)
        .join(VIDEOS, VIDEOS.c.id == ranked.c.video_id)
        .where(VIDEOS.c.owner_id == creator_id)
        .order_by(desc(ranked.c.views), desc(ranked.c.watch_seconds), ranked.c.video_id)
        .limit(10)
    ).all()
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": totals,
        "daily": daily,
        "top_videos": [
            {
                "video_id": r.video_id,
                "title": r.title,
                "views": int(r.views or 0),
                "watch_seconds": float(r.watch_seconds or 0.0),
            }
            for r in top
        ],
    }


def retention_curve(
    session: Session,
    *,
    video_id: str,
    first: date,
    last: date,
    duration: float | None,
    bucket_seconds: int,
) -> dict[str, Any]:
    """The share of viewers still watching at each bucket start (1.0 at 0 seconds)."""
    drops = session.execute(
        select(DROPOFFS.c.second, func.sum(DROPOFFS.c.viewers))
        .where(DROPOFFS.c.video_id == video_id, DROPOFFS.c.day >= first, DROPOFFS.c.day <= last)
        .group_by(DROPOFFS.c.second)
    ).all()
    stopped = {int(second): int(count) for second, count in drops}
    viewers = sum(stopped.values())
    if not viewers:
        return {"bucket_seconds": bucket_seconds, "viewers": 0, "points": []}
    step = bucket_seconds
    end = max(max(stopped), int(duration or 0))
    points = []
    remaining = viewers
    for second in range(0, end + 1, step):
        points.append({"second": second, "fraction": round(remaining / viewers, 6)})
        remaining -= stopped.get(second, 0)
    return {"bucket_seconds": bucket_seconds, "viewers": viewers, "points": points}


def video_stats(
    session: Session, *, video: Video, days: int, bucket_seconds: int
) -> dict[str, Any]:
    """Views, watch time, peak, daily series, retention and sources of one video."""
    first, last, start, end = period(days)
    hours = session.execute(
        select(VIDEO_HOURS)
        .where(
            VIDEO_HOURS.c.video_id == video.id,
            VIDEO_HOURS.c.hour >= start,
            VIDEO_HOURS.c.hour < end,
        )
        .order_by(VIDEO_HOURS.c.hour)
    ).all()
    rows = [dict(row._mapping) for row in hours]
    fields = ("views", "viewers", "watch_seconds")
    daily = _series(rows, fields, first, last)
    views = sum(row["views"] for row in rows)
    watch = sum(row["watch_seconds"] for row in rows)
    peak = max(rows, key=lambda row: (row["viewers"], row["views"]), default=None)
    sources = session.execute(
        select(SOURCES.c.source, func.sum(SOURCES.c.views))
        .where(SOURCES.c.video_id == video.id, SOURCES.c.day >= first, SOURCES.c.day <= last)
        .group_by(SOURCES.c.source)
    ).all()
    return {
        "video_id": video.id,
        "title": video.title,
        "duration": video.duration,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "views": views,
        "watch_seconds": watch,
        "average_watch_seconds": round(watch / views, 6) if views else 0.0,
        "peak": (
            {"hour": peak["hour"].astimezone(UTC).isoformat(), "viewers": peak["viewers"]}
            if peak
            else None
        ),
        "daily": daily,
        "hourly": [
            {
                "hour": row["hour"].astimezone(UTC).isoformat(),
                "views": row["views"],
                "viewers": row["viewers"],
                "watch_seconds": row["watch_seconds"],
            }
            for row in rows
        ],
        "retention": retention_curve(
            session,
            video_id=video.id,
            first=first,
            last=last,
            duration=video.duration,
            bucket_seconds=bucket_seconds,
        ),
        "sources": {source: int(count) for source, count in sources},
        "audience": audience(
            session, creator_id=video.owner_id, first=first, last=last, video_id=video.id
        ),
    }


def daily_views(session: Session, *, creator_id: int, first: date, last: date) -> list[float]:
    """Views per day from ``first`` to ``last`` (inclusive), zeros where none."""
    rows = [
        {"day": row.day, "views": row.views}
        for row in session.execute(
            select(CREATOR_DAYS.c.day, CREATOR_DAYS.c.views).where(
                CREATOR_DAYS.c.creator_id == creator_id,
                CREATOR_DAYS.c.day >= first,
                CREATOR_DAYS.c.day <= last,
            )
        )
    ]
    return [float(day["views"]) for day in _day_series(rows, ("views",), first, last)]


def creator_forecast(
    session: Session, *, creator_id: int, days: int, history_days: int = 84, level: float = 0.8
) -> dict[str, Any]:
    """Views for today and the ``days - 1`` days after it, from the complete days
    before today (leading days without views left out), with ``level`` intervals."""
    from socialflow.analytics.forecast import forecast

    today = datetime.now(UTC).date()
    first = today - timedelta(days=history_days)
    history = daily_views(
        session, creator_id=creator_id, first=first, last=today - timedelta(days=1)
    )
    start = next((i for i, views in enumerate(history) if views), len(history))
    history = history[start:]
    made = forecast(history, days, level)
    return {
        "method": made.method,
        "level": level,
        "history_days": len(history),
        "points": [
            {
                "day": (today + timedelta(days=h)).isoformat(),
                "views": round(made.mean[h], 3),
                "low": round(made.low[h], 3),
                "high": round(made.high[h], 3),
            }
            for h in range(days)
        ],
    }
