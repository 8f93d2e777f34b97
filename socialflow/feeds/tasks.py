"""Fan-out and timeline maintenance tasks.

``socialflow.feeds.fanout`` plans a post's fan-out, writes the first
``fanout_chunk_size`` followers' timelines itself and sends one
``fanout_chunk`` message for each further range; each chunk is idempotent
(timeline writes are insert-or-ignore / ZADD), so a redelivered message after
a worker crash does no harm. Most authors have fewer followers than a chunk:
their posts cost one task, not two (a message is a broker round trip, which
on the embedded SQLite broker costs more than writing the chunk).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of
from socialflow.feeds import pages as feeds
from socialflow.feeds.generations import Generations

PRUNE_TRENDING_TASK = "socialflow.trending.prune"


@shared_task(name="socialflow.feeds.fanout", bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def fanout(self: Any, post_id: int, via_user_id: int | None = None) -> int:
    """Write to the author's timeline and the first range of followers' timelines;
    queue one chunk task per further range (other workers write those meanwhile)."""
    platform = platform_of(self.app)
    with platform.session() as session:
        ranges = feeds.fanout_plan(platform, session, post_id, via_user_id)
        source = via_user_id
        if source is None and ranges:
            from socialflow.social.models import Post

            post = session.get(Post, post_id)
            source = post.author_id if post else None
    # Through this task's own app (socialflow's Celery apps are never "current").
    chunk_task = self.app.tasks["socialflow.feeds.fanout_chunk"]
    for low, high in ranges[1:]:
        chunk_task.apply_async((post_id, source, low, high), queue="default")
    if ranges and source is not None:
        low, high = ranges[0]
        with platform.session() as session:
            feeds.fanout_chunk(platform, session, post_id, source, low, high)
    return len(ranges)


@shared_task(name="socialflow.feeds.fanout_chunk", bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def fanout_chunk(self: Any, post_id: int, source_id: int, low: int, high: int) -> int:
    platform = platform_of(self.app)
    with platform.session() as session:
        return feeds.fanout_chunk(platform, session, post_id, source_id, low, high)


@shared_task(name="socialflow.feeds.backfill", bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def backfill(self: Any, follower_id: int, followee_id: int) -> None:
    platform = platform_of(self.app)
    with platform.session() as session:
        feeds.backfill(platform, session, follower_id, followee_id)
        session.commit()
    platform.get(Generations).bump([follower_id])


@shared_task(name="socialflow.feeds.unfollow", bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def unfollow(self: Any, follower_id: int, followee_id: int) -> None:
    platform = platform_of(self.app)
    with platform.session() as session:
        feeds.remove_source(platform, session, follower_id, followee_id)
        session.commit()
    platform.get(Generations).bump([follower_id])


@shared_task(name="socialflow.feeds.rebuild", bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def rebuild(self: Any, user_id: int) -> int:
    platform = platform_of(self.app)
    with platform.session() as session:
        count = feeds.rebuild_timeline(platform, session, user_id)
        session.commit()
        platform.get(Generations).bump([user_id])
        return count


@shared_task(name=PRUNE_TRENDING_TASK, bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def prune_trending(self: Any) -> int:
    """Drop trending buckets older than the longest window (beat runs it periodically)."""
    from socialflow.social import trending

    platform = platform_of(self.app)
    with platform.session() as session:
        removed = trending.prune(session, bucket_seconds=platform.settings.trending_bucket_seconds)
        session.commit()
        return removed
