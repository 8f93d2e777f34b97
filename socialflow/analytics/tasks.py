"""Analytics tasks: the rollup of new raw events, and the sweep of old ones.

Both are idempotent: the rollup recomputes whole hours and days from raw
events (a re-run writes the same rows), and the sweep deletes by age. A
worker killed mid-rollup rolls its transaction back; the events stay
unmarked and the next run counts them.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from sqlalchemy import func, select

from socialflow.analytics import rollup
from socialflow.analytics.settings import analytics_settings
from socialflow.core.celery import platform_of
from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.core.progress import Progress, SilentProgress

ROLLUP_TASK = "socialflow.analytics.rollup"
SWEEP_TASK = "socialflow.analytics.sweep"


def pending_count(platform: Platform) -> int:
    """Raw events not yet rolled up."""
    with platform.session(read_only=True) as session:
        found = session.execute(
            select(func.count()).select_from(rollup.EVENTS).where(rollup.EVENTS.c.rolled.is_(False))
        ).scalar_one()
    return int(found)


def flush_local(platform: Platform) -> int:
    """Write what this process's event buffer holds (a rollup run here then counts it)."""
    from socialflow.analytics.buffer import EventBuffer

    try:
        return platform.get(EventBuffer).flush()
    except LookupError:
        return 0


def roll_all(platform: Platform, progress: Progress | None = None) -> rollup.RollupResult:
    """Roll up every pending raw event, one committed batch at a time.

    Commits: each batch is its own transaction, so a long backfill keeps what it
    did when stopped and holds no lock for long."""
    settings = analytics_settings(platform)
    progress = progress or SilentProgress()
    flush_local(platform)
    progress.phase("raw events", pending_count(platform))
    total = rollup.RollupResult()
    while True:
        with platform.session() as session:
            done = rollup.roll_pending(
                session,
                batch_size=settings.rollup_batch_size,
                bucket_seconds=settings.retention_bucket_seconds,
            )
            session.commit()
        if not done.events:
            return total
        total.add(done)
        progress.advance(done.events)


@shared_task(name=ROLLUP_TASK, bind=True)  # type: ignore[untyped-decorator]
def rollup_task(self: Any) -> dict[str, int]:
    done = roll_all(platform_of(self.app))
    return {"events": done.events, "hours": done.hours, "days": done.days}


@shared_task(name=SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep_task(self: Any) -> dict[str, int]:
    """Delete raw events past ``raw_retention_days`` (rolled ones only)."""
    platform = platform_of(self.app)
    settings = analytics_settings(platform)
    with platform.session() as session:
        deleted = rollup.sweep(session, now=utcnow(), retention_days=settings.raw_retention_days)
        session.commit()
    return {"deleted": deleted}
