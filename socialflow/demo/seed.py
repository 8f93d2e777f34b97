"""Loading the demo data: ``socialflow seed``, its reset, bulk loads, the search index.

The data is drawn in memory (:mod:`socialflow.demo.draw`, deterministic for
a plan's ``seed``) and laid out as columns (:mod:`socialflow.demo.rows`);
this module writes them column by column
(:func:`~socialflow.core.db.bulk.insert_columns`: COPY on PostgreSQL, where a
first seed also loads tables without their secondary indexes and foreign
keys, executemany on SQLite), then home timelines, the search index and
planner statistics. Post ids grow with ``created_at`` as they would in
production.

Seeded users have emails at :data:`SEED_DOMAIN`; that is how a re-run
recognises a seeded database (and refuses unless ``reset``) and what
``reset`` deletes. They all share the password :data:`DEMO_PASSWORD`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Connection

from socialflow.accounts.models import User
from socialflow.core.db.bulk import BulkWriter, bulk_insert, column_count, column_slices
from socialflow.core.db.loading import built_after_load, foreign_keys_checked_after
from socialflow.core.errors import Conflict
from socialflow.core.progress import Progress, SilentProgress
from socialflow.demo.draw import (
    DEMO_PASSWORD,
    SEED_DOMAIN,
    Content,
    Ids,
    Pools,
    SeedPlan,
    draw_content,
    draw_graph,
    draw_pools,
    seeded_timelines,
    user_columns,
)
from socialflow.demo.rows import (
    BATCH,
    comment_columns,
    hashtag_columns,
    like_columns,
    post_batches,
    trending_rows,
)
from socialflow.feeds.models import TimelineEntry
from socialflow.feeds.rebuild import write_timelines
from socialflow.graph.models import Follow
from socialflow.search.models import SearchDocumentRow, SearchSyncState
from socialflow.social.models import Comment, Post, PostHashtag, PostLike, TrendingCounter

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

__all__ = [
    "DEMO_PASSWORD",
    "SEED_DOMAIN",
    "SeedPlan",
    "SeedReport",
    "index_everything",
    "reset",
    "seed",
]

USERS = User.__table__  # type: ignore[attr-defined]
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
POSTS = Post.__table__  # type: ignore[attr-defined]
HASHTAGS = PostHashtag.__table__  # type: ignore[attr-defined]
LIKES = PostLike.__table__  # type: ignore[attr-defined]
COMMENTS = Comment.__table__  # type: ignore[attr-defined]
ENTRIES = TimelineEntry.__table__  # type: ignore[attr-defined]
COUNTERS = TrendingCounter.__table__  # type: ignore[attr-defined]
SEARCH_DOCS = SearchDocumentRow.__table__  # type: ignore[attr-defined]
SYNC = SearchSyncState.__table__  # type: ignore[attr-defined]


@dataclass
class SeedReport:
    users: int = 0
    follows: int = 0
    posts: int = 0
    likes: int = 0
    comments: int = 0
    timeline_entries: int = 0
    analytics_events: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _batches(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def is_seeded(connection: Connection) -> bool:
    found = connection.execute(
        select(USERS.c.id).where(USERS.c.email.like(f"%@{SEED_DOMAIN}")).limit(1)
    ).first()
    return found is not None


def reset(platform: Platform, connection: Connection) -> None:
    """Delete seeded users and everything hanging off them (foreign keys cascade).

    Timeline entries and hashtags have no index on ``post_id``: their rows go
    first, explicitly, and their keys are off while the posts go (otherwise
    each deleted post scans both tables, hours at a million posts).
    """
    seeded = select(USERS.c.id).where(USERS.c.email.like(f"%@{SEED_DOMAIN}"))
    post_ids = select(POSTS.c.id).where(POSTS.c.author_id.in_(seeded))
    by_post = (LIKES, HASHTAGS, COMMENTS)
    with foreign_keys_checked_after(connection, [ENTRIES, HASHTAGS]):
        # One IN per statement: PostgreSQL runs each as a hash semi-join, where
        # ``a IN (...) OR b IN (...)`` re-reads a subquery too big to hash per row.
        for statement in (
            delete(ENTRIES).where(ENTRIES.c.post_id.in_(post_ids)),
            delete(ENTRIES).where(ENTRIES.c.user_id.in_(seeded)),
            *(delete(table).where(table.c.post_id.in_(post_ids)) for table in by_post),
            delete(POSTS).where(POSTS.c.author_id.in_(seeded)),
            delete(FOLLOWS).where(FOLLOWS.c.follower_id.in_(seeded)),
            delete(FOLLOWS).where(FOLLOWS.c.followee_id.in_(seeded)),
            delete(USERS).where(USERS.c.id.in_(seeded)),
        ):
            connection.execute(statement)
    if "analytics" in platform.plugins.app_names():
        from socialflow.demo.history import forget_seeded

        forget_seeded(connection, seeded)
    # Derived data is rebuilt after seeding: drop it wholesale.
    connection.execute(delete(COUNTERS))
    connection.execute(delete(SYNC))
    if platform.settings.search == "sql":
        connection.execute(delete(SEARCH_DOCS))
    if platform.settings.redis_url:
        import redis

        client = redis.Redis.from_url(platform.settings.redis_url)
        ns = platform.settings.redis_namespace
        for pattern in (f"{ns}:tl:*", f"{ns}:tlb:*"):
            keys = list(client.scan_iter(pattern, count=1000))
            for chunk in _batches(keys, 1000):
                client.delete(*chunk)


def seed(
    platform: Platform,
    plan: SeedPlan,
    *,
    reset_first: bool = False,
    progress: Progress | None = None,
) -> SeedReport:
    """Generate and store the demo data described by ``plan``."""
    from faker import Faker

    progress = progress or SilentProgress()
    report = SeedReport()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 2)
        clock = now

    engine = platform.engine
    with engine.begin() as connection:
        if is_seeded(connection):
            if not reset_first:
                raise Conflict(
                    "This database already holds seeded data; pass --reset to replace it.",
                    slug="already-seeded",
                )
            progress.phase("Removing the previous seed", None)
            reset(platform, connection)
        ids = Ids(
            first_user=(connection.execute(select(func.max(USERS.c.id))).scalar() or 0) + 1,
            first_post=(connection.execute(select(func.max(POSTS.c.id))).scalar() or 0) + 1,
        )
    lap("reset")

    rng = np.random.default_rng(plan.seed)
    fake = Faker()
    fake.seed_instance(plan.seed)
    now = datetime.now(UTC)
    progress.phase("Drawing users and the follower graph", None)
    graph = draw_graph(rng, plan.users, plan.avg_following)
    pools = draw_pools(rng, fake, plan.users)
    users = user_columns(rng, pools, graph, first_id=ids.first_user, days=plan.days, now=now)
    lap("graph")

    _load(platform, "Users", [(USERS, column_slices(users))], progress, rows=plan.users)
    report.users = plan.users
    lap("users")

    follows = {
        "follower_id": ids.first_user + graph.follower,
        "followee_id": ids.first_user + graph.followee,
        "created_at": now,
    }
    edges = graph.follower.size
    _load(platform, "Follower graph", [(FOLLOWS, column_slices(follows))], progress, rows=edges)
    report.follows = edges
    lap("follows")

    content = draw_content(rng, plan, graph, pools, now=now)
    _store_content(platform, content, pools, users["username"], ids, now=now, progress=progress)
    report.posts = plan.posts
    report.likes = content.like_user.size
    report.comments = content.comment_post.size
    lap("posts")

    if plan.timelines:
        progress.phase("Home timelines", plan.users)
        report.timeline_entries = write_timelines(
            platform,
            seeded_timelines(
                graph,
                content,
                ids,
                big=graph.followers >= platform.settings.fanout_threshold,
                depth=min(plan.timeline_depth, platform.settings.timeline_max_length),
            ),
            progress,
        )
        lap("timelines")
    if plan.search:
        index_everything(platform, progress)
        lap("search")
    if plan.analytics_days:
        from socialflow.demo.history import analytics_on, seed_history

        if analytics_on(platform):
            report.analytics_events = seed_history(
                platform,
                rng,
                user_ids=ids.first_user + np.arange(plan.users),
                followers=graph.followers,
                days=plan.analytics_days,
                now=now,
                progress=progress,
            )
            lap("analytics")
    if engine.dialect.name == "postgresql":
        # Planner statistics for the new rows now, not when autovacuum comes by:
        # stale ones turn index scans of a feed page into scans of whole authors.
        # VACUUM also sets the visibility map, without which "did the viewer like
        # these posts" reads twenty heap pages instead of one index (1.3 ms vs 0.2).
        progress.phase("Statistics", None)
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.execute(text("VACUUM (ANALYZE)"))
        lap("analyze")
    return report


def _load(
    platform: Platform,
    name: str,
    loads: Sequence[tuple[Any, Iterable[dict[str, Any]]]],
    progress: Progress,
    *,
    rows: int,
    then: Callable[[Connection], None] | None = None,
) -> None:
    """Write batches of columns to their tables in one transaction, on a writer thread,
    indexes and foreign keys built after the load when the tables start empty;
    ``then`` runs last in the same transaction. ``rows`` is the total, for progress."""
    progress.phase(name, rows)
    with platform.engine.begin() as connection:
        loaded = [table for table, _ in loads]
        with built_after_load(connection, loaded), BulkWriter(connection) as writer:
            for table, batches in loads:
                for batch in batches:
                    writer.write(table, batch)
                    progress.advance(column_count(batch))
        if then is not None:
            then(connection)


def _store_content(
    platform: Platform,
    content: Content,
    pools: Pools,
    names: list[str],
    ids: Ids,
    *,
    now: datetime,
    progress: Progress,
) -> None:
    """Posts, hashtags, likes and comments in one transaction; then trending counters and
    the id sequences (the seed chose the ids itself)."""
    hashtags = hashtag_columns(content, pools, ids)
    counters = trending_rows(
        content, pools, ids, now=now, bucket=platform.settings.trending_bucket_seconds
    )

    def finish(connection: Connection) -> None:
        for chunk in _batches(counters):
            bulk_insert(connection, COUNTERS, list(chunk))
        if connection.dialect.name == "postgresql":
            for table in ("users", "posts", "comments"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )

    _load(
        platform,
        "Posts, likes, comments",
        [
            (POSTS, post_batches(content, pools, names, ids)),
            (HASHTAGS, column_slices(hashtags)),
            (LIKES, column_slices(like_columns(content, ids))),
            (COMMENTS, column_slices(comment_columns(content, pools, ids))),
        ],
        progress,
        rows=content.author.size
        + column_count(hashtags)
        + content.like_user.size
        + content.comment_post.size,
        then=finish,
    )


def index_everything(platform: Platform, progress: Progress | None = None) -> None:
    """Feed every user, live post, public hashtag and ready video to the search backend."""
    from socialflow.search.service import rebuild_index

    rebuild_index(platform, progress)
