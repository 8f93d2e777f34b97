"""Realistic demo data: users, a power-law follower graph, posts, likes, comments.

Everything is generated in memory from one ``random.Random(seed)`` (and a
seeded Faker), so the same flags give the same data, then written with
SQLAlchemy Core bulk inserts in batches: no ORM objects, no per-row round
trips. Counters (followers, likes, comments) are known before the rows are
written, home timelines are merged in memory from the graph the seed just
drew (:func:`seeded_timelines`), and post ids grow with ``created_at`` as
they would in production.

Seeded users have emails at :data:`SEED_DOMAIN`; that is how a re-run
recognises a seeded database (and refuses unless ``reset``) and what
``reset`` deletes. They all share the password :data:`DEMO_PASSWORD`.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Connection

from socialflow.errors import Conflict
from socialflow.models.feeds import TimelineEntry
from socialflow.models.graph import Follow
from socialflow.models.posts import Comment, Post, PostHashtag, PostLike
from socialflow.models.search import SearchDocumentRow, SearchSyncState
from socialflow.models.trending import TrendingCounter
from socialflow.models.user import User
from socialflow.services.passwords import hash_password
from socialflow.services.progress import Progress, SilentProgress
from socialflow.services.sqlutil import BulkWriter, bulk_insert, indexes_built_after

if TYPE_CHECKING:
    from socialflow.platform import Platform

SEED_DOMAIN = "seed.socialflow.invalid"
DEMO_PASSWORD = "socialflow-demo"  # noqa: S105 - documented demo password of seeded users
BATCH = 5000
TAG_POOL = 300
PROFILE_POOL = 5000
SENTENCE_POOL = 4000

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
class SeedPlan:
    users: int = 1000
    posts: int = 10_000
    seed: int = 42
    avg_following: int = 30
    likes_per_post: float = 2.0
    comments_per_post: float = 0.3
    days: int = 30
    timelines: bool = True
    # Entries per seeded timeline; older posts are read from the graph on demand.
    timeline_depth: int = 20
    search: bool = True


@dataclass
class SeedReport:
    users: int = 0
    follows: int = 0
    posts: int = 0
    likes: int = 0
    comments: int = 0
    timeline_entries: int = 0
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
    """Delete seeded users and everything hanging off them (foreign keys cascade)."""
    seeded = select(USERS.c.id).where(USERS.c.email.like(f"%@{SEED_DOMAIN}"))
    post_ids = select(POSTS.c.id).where(POSTS.c.author_id.in_(seeded))
    for table in (ENTRIES, LIKES, HASHTAGS, COMMENTS):
        connection.execute(delete(table).where(table.c.post_id.in_(post_ids)))
    connection.execute(delete(POSTS).where(POSTS.c.author_id.in_(seeded)))
    connection.execute(
        delete(FOLLOWS).where(FOLLOWS.c.follower_id.in_(seeded) | FOLLOWS.c.followee_id.in_(seeded))
    )
    connection.execute(delete(USERS).where(USERS.c.id.in_(seeded)))
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


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    weights = [1.0 / (rank**exponent) for rank in range(1, n + 1)]
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_left(cumulative, rng.random() * cumulative[-1])


def seed(
    platform: Platform,
    plan: SeedPlan,
    *,
    reset_first: bool = False,
    progress: Progress | None = None,
) -> SeedReport:
    """Generate and store the demo data described by ``plan``."""
    import time

    from faker import Faker

    progress = progress or SilentProgress()
    report = SeedReport()
    rng = random.Random(plan.seed)
    fake = Faker()
    fake.seed_instance(plan.seed)
    engine = platform.engine
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 2)
        clock = now

    with engine.begin() as connection:
        if is_seeded(connection):
            if not reset_first:
                raise Conflict(
                    "This database already holds seeded data; pass --reset to replace it.",
                    slug="already-seeded",
                )
            progress.phase("Removing the previous seed", None)
            reset(platform, connection)
    lap("reset")

    # ------------------------------------------------------------- users
    password_hash = hash_password(DEMO_PASSWORD)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        first_id = (connection.execute(select(func.max(USERS.c.id))).scalar() or 0) + 1
    user_ids = list(range(first_id, first_id + plan.users))
    names: list[str] = []
    progress.phase("Users", plan.users)
    rows = []
    # Faker costs tens of microseconds a call: draw names and bios from pools
    # (usernames stay unique through their numeric suffix).
    pool = min(plan.users, PROFILE_POOL)
    handles = [fake.user_name() for _ in range(pool)]
    full_names = [fake.name()[:50] for _ in range(pool)]
    bios = [fake.sentence(nb_words=8)[:500] for _ in range(pool)]
    for offset, uid in enumerate(user_ids):
        handle = handles[rng.randrange(pool)]
        base = "".join(ch for ch in handle if ch.isalnum() or ch == "_")[:20] or "user"
        username = f"{base}{offset}"
        names.append(username)
        rows.append(
            {
                "id": uid,
                "username": username,
                "username_key": username.lower(),
                "email": f"{username.lower()}@{SEED_DOMAIN}",
                "email_verified_at": now,
                "password_hash": password_hash,
                "display_name": full_names[rng.randrange(pool)],
                "bio": bios[rng.randrange(pool)],
                "role": "user",
                "state": "active",
                "is_private": rng.random() < 0.05,
                "follower_count": 0,
                "following_count": 0,
                "token_version": 0,
                "created_at": now - timedelta(days=plan.days + rng.random() * 300),
            }
        )
    with engine.begin() as connection:
        for chunk in _batches(rows):
            bulk_insert(connection, USERS, list(chunk))
            progress.advance(len(chunk))
    report.users = plan.users
    lap("users")

    # ---------------------------------------------------- follower graph
    # Popularity is Zipf-distributed over a shuffled order of users, and each
    # user follows a Pareto-distributed number of accounts picked by it:
    # a few accounts get most of the followers (a power law), as in real networks.
    popularity_order = user_ids[:]
    rng.shuffle(popularity_order)
    cumulative = _zipf_cumulative(len(user_ids), 1.0)
    # Streamed to the database in batches: at 100k users the graph has millions
    # of edges, too many to hold as dicts.
    progress.phase("Follower graph", plan.users)
    cap_following = max(1, min(len(user_ids) - 1, plan.avg_following * 20))
    followers: Counter[int] = Counter()
    following: Counter[int] = Counter()
    buffer: list[dict[str, Any]] = []
    graph_out: dict[int, list[int]] = {}  # kept for the timelines (ints, not row dicts)
    edges = 0
    with engine.begin() as connection:
        with indexes_built_after(connection, [FOLLOWS]), BulkWriter(connection) as writer:
            for uid in user_ids:
                wanted = min(cap_following, int(rng.paretovariate(1.5) * plan.avg_following / 3))
                chosen: set[int] = set()
                for _ in range(wanted * 2):
                    if len(chosen) >= wanted:
                        break
                    target = popularity_order[_pick(rng, cumulative)]
                    if target != uid:
                        chosen.add(target)
                followees = sorted(chosen)
                for target in followees:
                    buffer.append({"follower_id": uid, "followee_id": target, "created_at": now})
                    followers[target] += 1
                following[uid] = len(chosen)
                graph_out[uid] = followees
                edges += len(chosen)
                if len(buffer) >= BATCH:
                    writer.write(FOLLOWS, buffer)
                    buffer = []
                progress.advance(1)
            writer.write(FOLLOWS, buffer)
        _write_counts(
            connection, USERS, user_ids, {"follower_count": followers, "following_count": following}
        )
    report.follows = edges
    lap("follows")

    # ------------------------------------------------------------- posts
    sentences = [fake.sentence(nb_words=rng.randint(5, 16)) for _ in range(SENTENCE_POOL)]
    tags = list(dict.fromkeys(w.lower() for w in fake.words(nb=TAG_POOL * 3) if w.isalpha()))[
        :TAG_POOL
    ]
    tag_cumulative = _zipf_cumulative(len(tags), 1.1)
    author_cumulative = _zipf_cumulative(len(user_ids), 0.6)
    with engine.begin() as connection:
        first_post = (connection.execute(select(func.max(POSTS.c.id))).scalar() or 0) + 1
    start = now - timedelta(days=plan.days)
    span = (now - start).total_seconds()
    times = sorted(rng.random() * span for _ in range(plan.posts))
    progress.phase("Posts, likes, comments", plan.posts)
    like_rows: list[dict[str, Any]] = []
    comment_rows: list[dict[str, Any]] = []
    post_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    trend: Counter[tuple[str, str, int]] = Counter()
    bucket = platform.settings.trending_bucket_seconds
    # Post ids by author, oldest first: what followers see, and private ones.
    shared_posts: defaultdict[int, list[int]] = defaultdict(list)
    private_posts: defaultdict[int, list[int]] = defaultdict(list)
    post_authors: list[int] = []  # by post_id - first_post

    def flush(writer: BulkWriter) -> None:
        for table, buffer in (
            (POSTS, post_rows),
            (HASHTAGS, tag_rows),
            (LIKES, like_rows),
            (COMMENTS, comment_rows),
        ):
            for chunk in _batches(buffer):
                writer.write(table, list(chunk))
            buffer.clear()

    with engine.begin() as connection:
        loaded = [POSTS, HASHTAGS, LIKES, COMMENTS]
        with indexes_built_after(connection, loaded), BulkWriter(connection) as writer:
            for index in range(plan.posts):
                post_id = first_post + index
                created = start + timedelta(seconds=times[index])
                author = popularity_order[_pick(rng, author_cumulative)]
                post_tags = list(
                    dict.fromkeys(
                        tags[_pick(rng, tag_cumulative)] for _ in range(rng.choice((0, 1, 1, 2, 3)))
                    )
                )
                mentions = []
                body = rng.choice(sentences)
                if rng.random() < 0.1:
                    target = popularity_order[_pick(rng, cumulative)]
                    mention_name = names[target - first_id]
                    mentions.append({"id": target, "username": mention_name})
                    body = f"@{mention_name} {body}"
                if post_tags:
                    body += " " + " ".join(f"#{t}" for t in post_tags)
                visibility = (
                    "public" if rng.random() < 0.9 else rng.choice(("followers", "private"))
                )
                n_likes = (
                    min(len(user_ids), int(rng.expovariate(1 / plan.likes_per_post)))
                    if plan.likes_per_post
                    else 0
                )
                likers = {user_ids[rng.randrange(len(user_ids))] for _ in range(n_likes)}
                n_comments = (
                    int(rng.expovariate(1 / plan.comments_per_post))
                    if plan.comments_per_post
                    else 0
                )
                for liker in likers:
                    like_rows.append({"user_id": liker, "post_id": post_id, "created_at": created})
                for _ in range(n_comments):
                    comment_rows.append(
                        {
                            "post_id": post_id,
                            "author_id": user_ids[rng.randrange(len(user_ids))],
                            "parent_id": None,
                            "text": rng.choice(sentences),
                            "reply_count": 0,
                            "created_at": created,
                        }
                    )
                post_rows.append(
                    {
                        "id": post_id,
                        "author_id": author,
                        "text": body,
                        "entities": {"hashtags": post_tags, "mentions": mentions, "links": []},
                        "visibility": visibility,
                        "video_id": None,
                        "like_count": len(likers),
                        "comment_count": n_comments,
                        "share_count": 0,
                        "view_count": len(likers) * rng.randint(3, 40),
                        "created_at": created,
                        "edited_at": None,
                        "deleted_at": None,
                    }
                )
                tag_rows.extend({"tag": t, "post_id": post_id} for t in post_tags)
                (shared_posts if visibility != "private" else private_posts)[author].append(post_id)
                post_authors.append(author)
                if visibility == "public" and (now - created).total_seconds() < 86400:
                    slot = int(created.timestamp() // bucket) * bucket
                    for t in post_tags:
                        trend["tag", t, slot] += 1
                    if likers or n_comments:
                        trend["post", str(post_id), slot] += len(likers) + 2 * n_comments
                if len(post_rows) >= BATCH:
                    flush(writer)
                    progress.advance(BATCH)
            remaining = len(post_rows)
            flush(writer)
        progress.advance(remaining)
        if trend:
            counter_rows = [
                {"kind": k, "key": key, "bucket": b, "count": c} for (k, key, b), c in trend.items()
            ]
            for chunk in _batches(counter_rows):
                bulk_insert(connection, COUNTERS, list(chunk))
        if connection.dialect.name == "postgresql":
            for table in ("users", "posts", "comments"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
        report.likes = connection.execute(select(func.count()).select_from(LIKES)).scalar_one()
        report.comments = connection.execute(
            select(func.count()).select_from(COMMENTS)
        ).scalar_one()
    report.posts = plan.posts
    lap("posts")

    # ------------------------------------------------- timelines and search
    # Independent of each other: on PostgreSQL (where writers do not queue for
    # one lock, as on SQLite) the search index fills on a second thread and
    # connection while the timelines are written.
    background_search: threading.Thread | None = None
    search_error: list[BaseException] = []
    if plan.search and plan.timelines and engine.dialect.name == "postgresql":

        def index_in_background() -> None:
            try:
                index_everything(platform)
            except BaseException as exc:  # re-raised below, in the caller's thread
                search_error.append(exc)

        background_search = threading.Thread(target=index_in_background, name="seed-search")
        background_search.start()
    if plan.timelines:
        progress.phase(
            "Home timelines" + (" (search index alongside)" if background_search else ""),
            plan.users,
        )
        threshold = platform.settings.fanout_threshold
        big = {u for u, n in followers.items() if n >= threshold}
        report.timeline_entries = write_timelines(
            platform,
            seeded_timelines(
                user_ids,
                {u: [f for f in followees if f not in big] for u, followees in graph_out.items()},
                shared_posts,
                private_posts,
                author_of=post_authors,
                first_post=first_post,
                depth=min(plan.timeline_depth, platform.settings.timeline_max_length),
            ),
            progress,
        )
        lap("timelines")
    if background_search is not None:
        progress.phase("Search index (finishing)", None)
        background_search.join()
        if search_error:
            raise search_error[0]
        lap("search")
    elif plan.search:
        index_everything(platform, progress)
        lap("search")
    if engine.dialect.name == "postgresql":
        # Planner statistics for the new rows now, not when autovacuum comes by:
        # stale ones turn index scans of a feed page into scans of whole authors.
        progress.phase("Statistics", None)
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        lap("analyze")
    return report


def _write_counts(
    connection: Connection, table: Any, ids: Sequence[int], columns: dict[str, Counter[int]]
) -> None:
    rows = [
        {"uid": uid, **{name: counts.get(uid, 0) for name, counts in columns.items()}}
        for uid in ids
        if any(counts.get(uid) for counts in columns.values())
    ]
    from sqlalchemy import bindparam

    statement = (
        update(table)
        .where(table.c.id == bindparam("uid"))
        .values({name: bindparam(name) for name in columns})
    )
    for chunk in _batches(rows):
        connection.execute(statement, list(chunk))


def seeded_timelines(
    user_ids: Sequence[int],
    graph_out: dict[int, list[int]],
    shared_posts: dict[int, list[int]],
    private_posts: dict[int, list[int]],
    *,
    author_of: Sequence[int],
    first_post: int,
    depth: int,
) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """Each user's newest ``depth`` timeline entries ``(post_id, source_id)``, from memory.

    The seed knows the graph and every post, so it merges each user's sources
    (own posts, followees' non-private posts; leave big accounts out of
    ``graph_out``: they are merged at read time, as in production) newest
    first with a heap over plain list iterators, touching ``depth`` entries
    per user. The same in SQL is a join
    of follows with posts that runs to a billion rows at 100k users and 1M
    posts. ``author_of[post_id - first_post]`` is each post's author.
    """
    for uid in user_ids:
        tails = [
            reversed(posts[-depth:])
            for posts in (shared_posts.get(f) for f in graph_out.get(uid, ()))
            if posts
        ]
        own = sorted([*shared_posts.get(uid, ()), *private_posts.get(uid, ())])
        if own:
            tails.append(reversed(own[-depth:]))
        newest = itertools.islice(heapq.merge(*tails, reverse=True), depth)
        yield uid, [(post_id, author_of[post_id - first_post]) for post_id in newest]


def write_timelines(
    platform: Platform,
    timelines: Iterable[tuple[int, list[tuple[int, int]]]],
    progress: Progress | None = None,
) -> int:
    """Store seeded timelines: COPY on PostgreSQL, batched inserts on SQLite, pipelines
    on Redis; every user's timeline is marked built. Returns the entries written."""
    progress = progress or SilentProgress()
    settings = platform.settings
    total = 0
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        ns = settings.redis_namespace
        pipe = client.pipeline(transaction=False)
        for count, (uid, entries) in enumerate(timelines, 1):
            pipe.delete(f"{ns}:tl:{uid}")
            if entries:
                pipe.zadd(f"{ns}:tl:{uid}", {f"{p}:{s}": p for p, s in entries})
            pipe.set(f"{ns}:tlb:{uid}", 1)
            total += len(entries)
            if count % 2000 == 0:
                pipe.execute()
                progress.advance(2000)
        pipe.execute()
        return total
    with platform.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            return _copy_timelines(connection, timelines, progress)
        batch: list[dict[str, Any]] = []
        for uid, entries in timelines:
            batch.extend({"user_id": uid, "post_id": p, "author_id": s} for p, s in entries)
            total += len(entries)
            progress.advance(1)
            if len(batch) >= BATCH * 10:
                bulk_insert(connection, ENTRIES, batch)
                batch = []
        bulk_insert(connection, ENTRIES, batch)
    return total


def _copy_timelines(
    connection: Connection,
    timelines: Iterable[tuple[int, list[tuple[int, int]]]],
    progress: Progress,
) -> int:
    """COPY timeline rows as text (integers need no escaping): millions of rows go
    in seconds, where a row object per entry would cost minutes."""
    raw = connection.connection.driver_connection
    assert raw is not None
    total = 0
    statement = "COPY timeline_entries (user_id, post_id, author_id) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        lines: list[str] = []
        for uid, entries in timelines:
            lines.extend(f"{uid}\t{post_id}\t{source}\n" for post_id, source in entries)
            total += len(entries)
            progress.advance(1)
            if len(lines) >= BATCH * 20:
                copy.write("".join(lines))
                lines = []
        copy.write("".join(lines))
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
                pipe.delete(f"{ns}:tl:{user_id}")
                pipe.set(f"{ns}:tlb:{user_id}", 1)
            pipe.zadd(f"{ns}:tl:{user_id}", {f"{post_id}:{author_id}": post_id})
            total += 1
            if total % 10_000 == 0:
                pipe.execute()
        pipe.execute()
        return total


def index_everything(platform: Platform, progress: Progress | None = None) -> None:
    """Feed every user, live post, public hashtag and ready video to the search backend."""
    from socialflow.services.search import rebuild_index

    rebuild_index(platform, progress)
