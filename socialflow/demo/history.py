"""Months of analytics history for a seeded platform, so dashboards and forecasts
show something real on a demo.

Raw events (what the analytics app would have captured) are drawn for the most
followed seeded creators, then rolled up exactly as beat would roll them up:
views per day follow a growing level with busier weekends and Poisson noise
(the shape :func:`socialflow.analytics.forecast.seeded_history` describes), each
with watch time, a source and a signed-in or anonymous viewer; likes, follows and
unfollows in proportion. The seed makes no videos, so views count for the
creator, not a video (creator overviews and forecasts; no per-video numbers).
Only days within ``raw_retention_days`` are drawn (older raw events would be
swept before a backfill could recompute them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, or_

from socialflow.core.platform import Platform
from socialflow.core.progress import Progress

CREATORS = 10
WEEKLY = np.array([1.0, 0.9, 0.95, 1.0, 1.1, 1.4, 1.5])
SOURCES = np.array(["feed", "search", "profile", "external", "direct"])
SOURCE_WEIGHTS = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
BATCH = 5000


def analytics_on(platform: Platform) -> bool:
    return "analytics" in platform.plugins.app_names()


def draw_events(
    rng: np.random.Generator,
    *,
    creator_ids: np.ndarray,
    user_ids: np.ndarray,
    days: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """Raw event rows for ``creator_ids`` over the ``days`` whole days before today."""
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    blank = {"video_id": None, "post_id": None, "viewer_key": None, "position": None}
    blank |= dict.fromkeys(
        ("country", "region", "user_agent", "stream_id", "live_viewers", "live_total")
    )
    for rank, creator in enumerate(creator_ids):
        base = 400.0 / (rank + 1)
        growth = rng.uniform(0.002, 0.012)
        for back in range(days, 0, -1):
            start = today - timedelta(days=back)
            level = base * (1 + growth * (days - back)) * WEEKLY[start.weekday()]
            views = int(rng.poisson(level))
            seconds = rng.integers(0, 86400, size=views)
            signed_in = rng.random(views) < 0.7
            viewers = rng.choice(user_ids, size=views)
            watched = np.round(rng.gamma(2.0, 40.0, size=views), 1)
            sources = rng.choice(SOURCES, size=views, p=SOURCE_WEIGHTS)
            for i in range(views):
                rows.append(
                    {
                        **blank,
                        "kind": "view",
                        "occurred_at": start + timedelta(seconds=int(seconds[i])),
                        "rolled": False,
                        "creator_id": int(creator),
                        "actor_id": int(viewers[i]) if signed_in[i] else None,
                        "new_view": True,
                        "watch_seconds": float(watched[i]),
                        "source": str(sources[i]),
                    }
                )
            for kind, share in (("like", 0.06), ("follow", 0.01), ("unfollow", 0.003)):
                for _ in range(int(rng.poisson(level * share))):
                    rows.append(
                        {
                            **blank,
                            "kind": kind,
                            "occurred_at": start + timedelta(seconds=int(rng.integers(0, 86400))),
                            "rolled": False,
                            "creator_id": int(creator),
                            "actor_id": int(rng.choice(user_ids)),
                            "new_view": False,
                            "watch_seconds": 0.0,
                            "source": None,
                        }
                    )
    return rows


def seed_history(
    platform: Platform,
    rng: np.random.Generator,
    *,
    user_ids: np.ndarray,
    followers: np.ndarray,
    days: int,
    now: datetime,
    progress: Progress,
) -> int:
    """Draw, store and roll up the history; returns the raw events written."""
    from socialflow.analytics.capture import EVENTS
    from socialflow.analytics.settings import analytics_settings
    from socialflow.analytics.tasks import roll_all

    days = min(days, analytics_settings(platform).raw_retention_days)
    top = user_ids[np.argsort(-followers, kind="stable")[:CREATORS]]
    rows = draw_events(rng, creator_ids=top, user_ids=user_ids, days=days, now=now)
    # In time order, as capture writes them: each rollup batch (raw events by id) then
    # covers a stretch of hours once, not every hour of the history again.
    rows.sort(key=lambda row: row["occurred_at"])
    progress.phase("Analytics history", len(rows))
    with platform.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            connection.execute(insert(EVENTS), chunk)
            progress.advance(len(chunk))
    roll_all(platform, progress)
    return len(rows)


def forget_seeded(connection: Any, seeded: Any) -> None:
    """Delete the analytics rows of seeded users (``seeded``: a subquery of their ids)."""
    from socialflow.analytics import rollup

    events = rollup.EVENTS
    connection.execute(
        delete(events).where(or_(events.c.creator_id.in_(seeded), events.c.actor_id.in_(seeded)))
    )
    by_creator = (
        rollup.CREATOR_HOURS,
        rollup.VIDEO_HOURS,
        rollup.CREATOR_DAYS,
        rollup.VIDEO_DAYS,
        rollup.GEO,
        rollup.AGENTS,
        rollup.LIVE,
    )
    for table in by_creator:
        connection.execute(delete(table).where(table.c.creator_id.in_(seeded)))
    connection.execute(delete(rollup.ACTIVE).where(rollup.ACTIVE.c.user_id.in_(seeded)))
