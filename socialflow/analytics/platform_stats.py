"""Platform statistics for operators: active users, growth, watch hours, storage, backlog.

Active users are the signed-in users with at least one counted action
(a view beacon, like, comment, share, follow, post, upload or sign-up) on a
day, kept per day by the rollup (``analytics_active_users``), so WAU and MAU
are exact distinct counts, and survive the raw-event sweep.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from socialflow.analytics.models import ActiveUserDay, PlatformDay
from socialflow.analytics.stats import period
from socialflow.video.models import Video

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

logger = logging.getLogger("socialflow.analytics")
ACTIVE = ActiveUserDay.__table__  # type: ignore[attr-defined]
PLATFORM = PlatformDay.__table__  # type: ignore[attr-defined]
VIDEOS = Video.__table__  # type: ignore[attr-defined]
TOTALS = ("views", "watch_seconds", "uploads", "signups", "posts", "likes", "comments")
STORAGE_COUNTED = "video sources as uploaded (renditions, thumbnails and images are not tracked)"


def active_users(session: Session, *, last: date, days: int) -> int:
    """Distinct active users over the ``days`` days ending on ``last``."""
    first = last - timedelta(days=days - 1)
    found = session.execute(
        select(func.count(distinct(ACTIVE.c.user_id))).where(
            ACTIVE.c.day >= first, ACTIVE.c.day <= last
        )
    ).scalar_one()
    return int(found or 0)


def platform_stats(session: Session, *, days: int) -> dict[str, Any]:
    """DAU/WAU/MAU (today and per day), daily totals and storage used."""
    first, last, _start, _end = period(days)
    totals_by_day = {
        row.day: row
        for row in session.execute(
            select(PLATFORM).where(PLATFORM.c.day >= first, PLATFORM.c.day <= last)
        )
    }
    dau = dict(
        session.execute(
            select(ACTIVE.c.day, func.count())
            .where(ACTIVE.c.day >= first, ACTIVE.c.day <= last)
            .group_by(ACTIVE.c.day)
        ).all()
    )
    daily: list[dict[str, Any]] = []
    day = first
    while day <= last:
        row = totals_by_day.get(day)
        daily.append(
            {
                "day": day.isoformat(),
                "active_users": int(dau.get(day, 0)),
                **{name: (getattr(row, name) if row is not None else 0) for name in TOTALS},
            }
        )
        day += timedelta(days=1)
    storage = session.execute(
        select(func.count(), func.coalesce(func.sum(VIDEOS.c.source_size), 0))
    ).one()
    totals = {name: sum(entry[name] for entry in daily) for name in TOTALS}
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "dau": active_users(session, last=last, days=1),
        "wau": active_users(session, last=last, days=7),
        "mau": active_users(session, last=last, days=30),
        "totals": {**totals, "watch_hours": round(totals["watch_seconds"] / 3600, 6)},
        "daily": daily,
        "storage": {
            "videos": int(storage[0]),
            "bytes": int(storage[1]),
            "counted": STORAGE_COUNTED,
        },
    }


def queue_backlog(platform: Platform, queues: tuple[str, ...]) -> dict[str, int | None]:
    """Messages waiting in each Celery queue, as the broker reports them (None where it
    cannot say, such as an eager, in-process setup)."""
    out: dict[str, int | None] = dict.fromkeys(queues)
    if platform.celery.conf.task_always_eager:
        return out
    try:
        with platform.celery.connection_for_read() as connection:
            # An admin page must not hang on a broker that is down: one quick try.
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            channel = connection.default_channel
            for name in queues:
                try:
                    # Not passive: a queue no worker has declared yet (a fresh broker)
                    # is declared empty, as the first worker would, instead of failing.
                    declared = channel.queue_declare(queue=name, durable=True, auto_delete=False)
                    out[name] = int(declared.message_count)
                except Exception:
                    logger.info("queue %s: no backlog from the broker", name, exc_info=True)
    except Exception:
        logger.warning("could not reach the broker for queue backlogs", exc_info=True)
    return out
