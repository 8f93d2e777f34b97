"""Rebuilding home timelines in bulk: from the graph (``socialflow feeds rebuild``) or
from timelines computed elsewhere (the demo seeder's, in memory).

Both write where the running platform keeps timelines: the ``timeline_entries``
table (COPY on PostgreSQL, batched inserts on SQLite) or Redis (pipelines),
and mark every rebuilt timeline as built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete, func, select, text

from socialflow.core.db.bulk import BulkWriter, column_slices
from socialflow.core.db.loading import built_after_load
from socialflow.core.progress import Progress, SilentProgress
from socialflow.feeds.models import TimelineEntry
from socialflow.feeds.timelines import built_key, timeline_key

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

ENTRIES = TimelineEntry.__table__  # type: ignore[attr-defined]


@dataclass
class TimelineChunk:
    """Home timelines of a run of users: entries grouped by user, newest first."""

    users: np.ndarray  # the run's user ids, every one (an empty timeline is built too)
    user_id: np.ndarray
    post_id: np.ndarray
    author_id: np.ndarray


def write_timelines(
    platform: Platform, timelines: Iterable[TimelineChunk], progress: Progress | None = None
) -> int:
    """Store seeded timelines: COPY on PostgreSQL, batched inserts on SQLite, pipelines
    on Redis; every user's timeline is marked built. Returns the entries written."""
    progress = progress or SilentProgress()
    if platform.settings.redis_url:
        return _redis_timelines(platform, platform.settings.redis_url, timelines, progress)
    total = 0
    with (
        platform.engine.begin() as connection,
        built_after_load(connection, [ENTRIES]),
        BulkWriter(connection) as writer,
    ):
        for chunk in timelines:
            columns = {
                "user_id": chunk.user_id,
                "post_id": chunk.post_id,
                "author_id": chunk.author_id,
            }
            for batch in column_slices(columns):
                writer.write(ENTRIES, batch)
            total += chunk.post_id.size
            progress.advance(chunk.users.size)
    return total


def _redis_timelines(
    platform: Platform, url: str, timelines: Iterable[TimelineChunk], progress: Progress
) -> int:
    import redis

    client = redis.Redis.from_url(url)
    ns = platform.settings.redis_namespace
    total = 0
    pipe = client.pipeline(transaction=False)
    for chunk in timelines:
        starts = np.searchsorted(chunk.user_id, chunk.users, side="left").tolist()
        ends = np.searchsorted(chunk.user_id, chunk.users, side="right").tolist()
        posts, authors = chunk.post_id.tolist(), chunk.author_id.tolist()
        for uid, low, high in zip(chunk.users.tolist(), starts, ends, strict=True):
            pipe.delete(timeline_key(ns, uid))
            if high > low:
                entries = zip(posts[low:high], authors[low:high], strict=True)
                pipe.zadd(timeline_key(ns, uid), {f"{p}:{s}": p for p, s in entries})
            pipe.set(built_key(ns, uid), 1)
        pipe.execute()
        total += chunk.post_id.size
        progress.advance(chunk.users.size)
    return total


def build_timelines(platform: Platform, *, depth: int | None = None) -> int:
    """(Re)build every home timeline with one windowed ``INSERT ... SELECT`` (or Redis
    pipelines), keeping ``depth`` entries each (default: ``timeline_max_length``)."""
    settings = platform.settings
    cap = min(depth or settings.timeline_max_length, settings.timeline_max_length)
    threshold = settings.fanout_threshold
    source = text(
        """
        SELECT user_id, post_id, author_id FROM (
            SELECT s.user_id, s.post_id, s.author_id,
                   ROW_NUMBER() OVER (PARTITION BY s.user_id ORDER BY s.post_id DESC) AS rn
            FROM (
                SELECT f.follower_id AS user_id, p.id AS post_id, p.author_id
                FROM follows f
                JOIN users u ON u.id = f.followee_id AND u.follower_count < :threshold
                JOIN posts p ON p.author_id = f.followee_id
                WHERE p.visibility <> 'private' AND p.deleted_at IS NULL
                UNION ALL
                SELECT p.author_id, p.id, p.author_id FROM posts p WHERE p.deleted_at IS NULL
            ) s
        ) ranked WHERE rn <= :cap
        """
    )
    params = {"threshold": threshold, "cap": cap}
    with platform.engine.begin() as connection:
        if not settings.redis_url:
            connection.execute(delete(ENTRIES))
            connection.execute(
                text(f"INSERT INTO timeline_entries (user_id, post_id, author_id) {source.text}"),
                params,
            )
            return int(connection.execute(select(func.count()).select_from(ENTRIES)).scalar_one())
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        ns = settings.redis_namespace
        total = 0
        pipe = client.pipeline(transaction=False)
        users: set[int] = set()
        for user_id, post_id, author_id in connection.execute(source, params):
            if user_id not in users:
                users.add(user_id)
                pipe.delete(timeline_key(ns, user_id))
                pipe.set(built_key(ns, user_id), 1)
            pipe.zadd(timeline_key(ns, user_id), {f"{post_id}:{author_id}": post_id})
            total += 1
            if total % 10_000 == 0:
                pipe.execute()
        pipe.execute()
        return total
