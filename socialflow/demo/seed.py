"""Realistic demo data: users, a power-law follower graph, posts, likes, comments.

Everything is drawn in memory from one NumPy generator seeded with ``seed``
(and a seeded Faker for pools of names and sentences), so the same flags give
the same data. Draws are vectorised: a table's worth of picks is one array
operation, not a Python call per row. Rows go to the database column by
column (:func:`~socialflow.core.db.bulk.insert_columns`: COPY on
PostgreSQL, where a first seed also loads tables without their secondary
indexes and foreign keys, executemany on SQLite). Counters (followers, likes,
comments) are known before the rows are written, home timelines are merged
in memory from the graph the seed just drew (:func:`seeded_timelines`), and
post ids grow with ``created_at`` as they would in production.

Seeded users have emails at :data:`SEED_DOMAIN`; that is how a re-run
recognises a seeded database (and refuses unless ``reset``) and what
``reset`` deletes. They all share the password :data:`DEMO_PASSWORD`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Connection

from socialflow.accounts.models import User
from socialflow.accounts.passwords import hash_password
from socialflow.core.db.bulk import BulkWriter, bulk_insert, column_count, column_slices
from socialflow.core.db.loading import built_after_load, foreign_keys_checked_after
from socialflow.core.errors import Conflict
from socialflow.core.progress import Progress, SilentProgress
from socialflow.feeds.models import TimelineEntry
from socialflow.feeds.rebuild import TimelineChunk, write_timelines
from socialflow.graph.models import Follow
from socialflow.search.models import SearchDocumentRow, SearchSyncState
from socialflow.social.models import Comment, Post, PostHashtag, PostLike, TrendingCounter

if TYPE_CHECKING:
    from faker import Faker

    from socialflow.core.platform import Platform

SEED_DOMAIN = "seed.socialflow.invalid"
DEMO_PASSWORD = "socialflow-demo"  # noqa: S105 - documented demo password of seeded users
BATCH = 50_000  # rows per COPY: large enough to amortise a statement, small enough to pipeline
TIMELINE_USERS = 5000  # users whose timelines are merged at once (bounds the candidates array)
TAG_POOL = 300
PROFILE_POOL = 5000
SENTENCE_POOL = 4000
VISIBILITIES = np.array(["public", "followers", "private"])
PUBLIC, PRIVATE = 0, 2
MICROSECONDS_A_DAY = 86_400_000_000

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


def _zipf_cumulative(n: int, exponent: float) -> np.ndarray:
    return np.cumsum(1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent)


def _pick(rng: np.random.Generator, cumulative: np.ndarray, size: Any) -> np.ndarray:
    """Indexes drawn with the weights whose running sum is ``cumulative``."""
    return cast(np.ndarray, np.searchsorted(cumulative, rng.random(size) * cumulative[-1]))


def _rank_in_group(groups: np.ndarray) -> np.ndarray:
    """Each item's position within its run of equal ``groups`` (which must be sorted)."""
    return np.arange(groups.size) - np.searchsorted(groups, groups)


def _counts(rng: np.random.Generator, size: int, mean: float) -> np.ndarray:
    """Exponentially distributed whole counts around ``mean`` (likes, comments per post)."""
    if not mean:
        return np.zeros(size, dtype=np.int64)
    return rng.exponential(mean, size).astype(np.int64)


def _utc64(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")


# ------------------------------------------------------------------ drawing


@dataclass
class Graph:
    """Who follows whom, by user index (0 is the first seeded user)."""

    popularity: np.ndarray  # user indexes by Zipf rank: the most followed first
    follower: np.ndarray  # one item per edge, edges sorted by (follower, followee)
    followee: np.ndarray
    followers: np.ndarray  # per user index
    following: np.ndarray


def draw_graph(rng: np.random.Generator, users: int, avg_following: int) -> Graph:
    """A power-law follower graph, as in real networks.

    Popularity is Zipf-distributed over a shuffled order of users, and each
    user follows a Pareto-distributed number of accounts picked by it, so a
    few accounts get most of the followers. Each user draws twice the
    accounts it wants and keeps the first ``wanted`` distinct ones (popular
    accounts come up again and again): all users' draws are one array, and
    one ``np.unique`` over ``follower * users + followee`` finds the repeats.
    """
    popularity = rng.permutation(users)
    cap = max(1, min(users - 1, avg_following * 20))
    wanted = np.minimum(cap, ((rng.pareto(1.5, users) + 1) * avg_following / 3).astype(np.int64))
    follower = np.repeat(np.arange(users), wanted * 2)
    followee = popularity[_pick(rng, _zipf_cumulative(users, 1.0), follower.size)]
    others = follower != followee
    follower, keys = follower[others], (follower * users + followee)[others]
    _, first = np.unique(keys, return_index=True)
    first.sort()  # distinct edges in draw order, still grouped by follower
    owner = follower[first]
    edges = np.sort(keys[first[_rank_in_group(owner) < wanted[owner]]])
    follower, followee = edges // users, edges % users
    return Graph(
        popularity=popularity,
        follower=follower,
        followee=followee,
        followers=np.bincount(followee, minlength=users),
        following=np.bincount(follower, minlength=users),
    )


@dataclass
class Pools:
    """Texts drawn once from Faker (tens of microseconds a call) and then picked by index."""

    handles: list[str]  # username stems (unique once an index is appended)
    full_names: list[str]
    bios: list[str]
    sentences: list[str]
    tags: list[str]


def draw_pools(rng: np.random.Generator, fake: Faker, users: int) -> Pools:
    pool = min(users, PROFILE_POOL)
    handles = [fake.user_name() for _ in range(pool)]
    lengths = rng.integers(5, 17, size=SENTENCE_POOL).tolist()
    words = (w.lower() for w in fake.words(nb=TAG_POOL * 3) if w.isalpha())
    return Pools(
        handles=[
            "".join(ch for ch in handle if ch.isalnum() or ch == "_")[:20] or "user"
            for handle in handles
        ],
        full_names=[fake.name()[:50] for _ in range(pool)],
        bios=[fake.sentence(nb_words=8)[:500] for _ in range(pool)],
        sentences=[fake.sentence(nb_words=n) for n in lengths],
        tags=list(dict.fromkeys(words))[:TAG_POOL],
    )


def _chosen(pool: list[str], picks: np.ndarray) -> list[str]:
    return [pool[i] for i in picks.tolist()]


def user_columns(
    rng: np.random.Generator,
    pools: Pools,
    graph: Graph,
    *,
    first_id: int,
    days: int,
    now: datetime,
) -> dict[str, Any]:
    """Every seeded user's row, with follower counts from ``graph`` (no update pass later)."""
    count = graph.followers.size
    names = [
        f"{pools.handles[handle]}{offset}"
        for offset, handle in enumerate(rng.integers(len(pools.handles), size=count).tolist())
    ]
    keys = [name.lower() for name in names]
    age = ((days + rng.random(count) * 300) * MICROSECONDS_A_DAY).astype("timedelta64[us]")
    return {
        "id": first_id + np.arange(count),
        "username": names,
        "username_key": keys,
        "email": [f"{key}@{SEED_DOMAIN}" for key in keys],
        "email_verified_at": now,
        "password_hash": hash_password(DEMO_PASSWORD),
        "display_name": _chosen(pools.full_names, rng.integers(len(pools.full_names), size=count)),
        "bio": _chosen(pools.bios, rng.integers(len(pools.bios), size=count)),
        "role": "user",
        "state": "active",
        "is_private": rng.random(count) < 0.05,
        "follower_count": graph.followers,
        "following_count": graph.following,
        "token_version": 0,
        "created_at": _utc64(now) - age,
    }


@dataclass
class Content:
    """Posts and what hangs off them, by post index (0 is the first seeded post)."""

    created: np.ndarray  # datetime64[us] (UTC), ascending: ids grow with time
    author: np.ndarray  # user index
    tags: np.ndarray  # (posts, 3) tag pool indexes, distinct within a post, -1 for none
    mention: np.ndarray  # user index mentioned at the start of the text, -1 for none
    sentence: np.ndarray  # sentence pool index
    visibility: np.ndarray  # index into VISIBILITIES
    like_count: np.ndarray
    view_count: np.ndarray
    like_user: np.ndarray  # likes sorted by (user, post): the primary key's order
    like_post: np.ndarray
    comment_post: np.ndarray  # comments by post
    comment_author: np.ndarray
    comment_sentence: np.ndarray

    @property
    def comment_count(self) -> np.ndarray:
        return np.bincount(self.comment_post, minlength=self.author.size)


def _post_tags(rng: np.random.Generator, posts: int, pool: int) -> np.ndarray:
    """0 to 3 Zipf-picked hashtags a post, a repeated pick dropped (first one kept)."""
    drawn = _pick(rng, _zipf_cumulative(pool, 1.1), (posts, 3))
    keep = np.arange(3) < np.array([0, 1, 1, 2, 3])[rng.integers(5, size=posts)][:, None]
    keep[:, 1] &= drawn[:, 1] != drawn[:, 0]
    keep[:, 2] &= (drawn[:, 2] != drawn[:, 0]) & (drawn[:, 2] != drawn[:, 1])
    return np.where(keep, drawn, -1)


def _likes(
    rng: np.random.Generator, posts: int, users: int, per_post: float
) -> tuple[np.ndarray, np.ndarray]:
    """(user, post) of likes by uniformly picked users, a repeated pick counted once."""
    wanted = np.minimum(users, _counts(rng, posts, per_post))
    post = np.repeat(np.arange(posts), wanted)
    keys = np.unique(rng.integers(users, size=post.size) * max(1, posts) + post)
    return keys // max(1, posts), keys % max(1, posts)


def draw_content(
    rng: np.random.Generator, plan: SeedPlan, graph: Graph, pools: Pools, *, now: datetime
) -> Content:
    """Posts spread over ``plan.days`` by Zipf-picked authors, with likes and comments."""
    posts, users = plan.posts, graph.followers.size
    span = plan.days * MICROSECONDS_A_DAY
    offsets = np.sort((rng.random(posts) * span).astype(np.int64))
    author = graph.popularity[_pick(rng, _zipf_cumulative(users, 0.6), posts)]
    tags = _post_tags(rng, posts, len(pools.tags))
    mentioned = graph.popularity[_pick(rng, _zipf_cumulative(users, 1.0), posts)]
    mention = np.where(rng.random(posts) < 0.1, mentioned, -1)
    sentence = rng.integers(len(pools.sentences), size=posts)
    visibility = np.where(rng.random(posts) < 0.9, PUBLIC, rng.integers(1, 3, size=posts))
    like_user, like_post = _likes(rng, posts, users, plan.likes_per_post)
    like_count = np.bincount(like_post, minlength=posts)
    comment_post = np.repeat(np.arange(posts), _counts(rng, posts, plan.comments_per_post))
    return Content(
        created=_utc64(now) - np.timedelta64(span, "us") + offsets.astype("timedelta64[us]"),
        author=author,
        tags=tags,
        mention=mention,
        sentence=sentence,
        visibility=visibility,
        like_count=like_count,
        view_count=like_count * rng.integers(3, 41, size=posts),
        like_user=like_user,
        like_post=like_post,
        comment_post=comment_post,
        comment_author=rng.integers(users, size=comment_post.size),
        comment_sentence=rng.integers(len(pools.sentences), size=comment_post.size),
    )


# ------------------------------------------------------------------ rows


def _post_texts(
    content: Content, pools: Pools, names: list[str], rows: slice, first_id: int
) -> tuple[list[str], list[str]]:
    """Texts and entities JSON of posts ``rows``: ``@mention`` first, hashtags last.

    The JSON is written with f-strings: usernames and tags are letters, digits
    and underscores, so quoting them needs no escaping.
    """
    texts: list[str] = []
    entities: list[str] = []
    for sentence, mention, picks in zip(
        content.sentence[rows].tolist(),
        content.mention[rows].tolist(),
        content.tags[rows].tolist(),
        strict=True,
    ):
        body = pools.sentences[sentence]
        mentions = ""
        if mention >= 0:
            body = f"@{names[mention]} {body}"
            mentions = f'{{"id":{first_id + mention},"username":"{names[mention]}"}}'
        tags = [pools.tags[t] for t in picks if t >= 0]
        if tags:
            body += " " + " ".join(f"#{t}" for t in tags)
        texts.append(body)
        quoted = ",".join(f'"{t}"' for t in tags)
        entities.append(f'{{"hashtags":[{quoted}],"mentions":[{mentions}],"links":[]}}')
    return texts, entities


@dataclass
class Ids:
    """Where the seed's users and posts start: index ``i`` is id ``first + i``."""

    first_user: int
    first_post: int


def post_batches(
    content: Content, pools: Pools, names: list[str], ids: Ids
) -> Iterator[dict[str, Any]]:
    """Posts in batches of ``BATCH`` rows, their texts made batch by batch (a million
    texts at once would only take memory)."""
    count = content.author.size
    for start in range(0, count, BATCH):
        yield post_columns(content, pools, names, slice(start, min(count, start + BATCH)), ids)


def post_columns(
    content: Content, pools: Pools, names: list[str], rows: slice, ids: Ids
) -> dict[str, Any]:
    texts, entities = _post_texts(content, pools, names, rows, ids.first_user)
    return {
        "id": ids.first_post + np.arange(rows.start, rows.stop),
        "author_id": ids.first_user + content.author[rows],
        "text": texts,
        "entities": entities,
        "visibility": VISIBILITIES[content.visibility[rows]],
        "video_id": None,
        "like_count": content.like_count[rows],
        "comment_count": content.comment_count[rows],
        "share_count": 0,
        "view_count": content.view_count[rows],
        "created_at": content.created[rows],
        "edited_at": None,
        "deleted_at": None,
    }


def hashtag_columns(content: Content, pools: Pools, ids: Ids) -> dict[str, Any]:
    """One row per (tag, post), in the primary key's order."""
    post, slot = np.nonzero(content.tags >= 0)
    tag = content.tags[post, slot]
    order = np.lexsort((post, tag))
    return {
        "tag": np.array(pools.tags)[tag[order]],
        "post_id": ids.first_post + post[order],
    }


def like_columns(content: Content, ids: Ids) -> dict[str, Any]:
    return {
        "user_id": ids.first_user + content.like_user,
        "post_id": ids.first_post + content.like_post,
        "created_at": content.created[content.like_post],
    }


def comment_columns(content: Content, pools: Pools, ids: Ids) -> dict[str, Any]:
    return {
        "post_id": ids.first_post + content.comment_post,
        "author_id": ids.first_user + content.comment_author,
        "parent_id": None,
        "text": _chosen(pools.sentences, content.comment_sentence),
        "reply_count": 0,
        "created_at": content.created[content.comment_post],
    }


def trending_rows(
    content: Content, pools: Pools, ids: Ids, *, now: datetime, bucket: int
) -> list[dict[str, Any]]:
    """Trending counters of the last day's public posts: their tags, and likes plus
    twice the comments of each post, by time bucket."""
    recent = np.flatnonzero(
        (content.visibility == PUBLIC)
        & (_utc64(now) - content.created < np.timedelta64(MICROSECONDS_A_DAY, "us"))
    )
    seconds = content.created[recent].astype("datetime64[s]").astype(np.int64)
    trend: Counter[tuple[str, str, int]] = Counter()
    for index, slot, picks, likes, comments in zip(
        recent.tolist(),
        (seconds // bucket * bucket).tolist(),
        content.tags[recent].tolist(),
        content.like_count[recent].tolist(),
        content.comment_count[recent].tolist(),
        strict=True,
    ):
        for tag in picks:
            if tag >= 0:
                trend["tag", pools.tags[tag], slot] += 1
        if likes or comments:
            trend["post", str(ids.first_post + index), slot] += likes + 2 * comments
    return [{"kind": k, "key": key, "bucket": b, "count": c} for (k, key, b), c in trend.items()]


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


def _newest(owner: np.ndarray, post: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``depth`` highest post indexes of each owner: ``(owner, post)`` sorted by owner,
    newest first. ``post`` -1 is no post. One sort of ``owner * n - post``."""
    valid = post >= 0
    span = int(post.max(initial=0)) + 1
    keys = np.sort(owner[valid] * span + (span - 1 - post[valid]))
    owner, post = keys // span, span - 1 - keys % span
    kept = _rank_in_group(owner) < depth
    return owner[kept], post[kept]


def _newest_by_author(content: Content, posts: np.ndarray, users: int, depth: int) -> np.ndarray:
    """A ``(users, depth)`` table of each author's newest ``posts`` (indexes, -1 padded)."""
    author, post = _newest(content.author[posts], posts, depth)
    table = np.full((users, depth), -1, dtype=np.int64)
    table[author, _rank_in_group(author)] = post
    return table


def seeded_timelines(
    graph: Graph, content: Content, ids: Ids, *, big: np.ndarray, depth: int
) -> Iterator[TimelineChunk]:
    """Each user's newest ``depth`` timeline entries, merged in memory from the graph.

    A timeline holds the user's own posts and the non-private posts of the
    accounts it follows, except big accounts (``big``, by user index): those
    are merged at read time, as in production. Only each source's newest
    ``depth`` posts can make it, so they are tabled once per author; a run of
    users then gathers its sources' rows and keeps the newest ``depth`` of each
    user with one sort. The same in SQL is a join of follows with posts that
    runs to a billion rows at 100k users and 1M posts.
    """
    users = graph.followers.size
    everything = np.arange(content.author.size)
    shared = _newest_by_author(content, everything[content.visibility != PRIVATE], users, depth)
    own = _newest_by_author(content, everything, users, depth)
    for start in range(0, users, TIMELINE_USERS):
        stop = min(users, start + TIMELINE_USERS)
        low, high = np.searchsorted(graph.follower, [start, stop])
        reader, source = graph.follower[low:high], graph.followee[low:high]
        merged = ~big[source]
        run = np.arange(start, stop)
        owner = np.concatenate([np.repeat(reader[merged], depth), np.repeat(run, depth)])
        post = np.concatenate([shared[source[merged]].ravel(), own[start:stop].ravel()])
        owner, post = _newest(owner, post, depth)
        yield TimelineChunk(
            users=ids.first_user + run,
            user_id=ids.first_user + owner,
            post_id=ids.first_post + post,
            author_id=ids.first_user + content.author[post],
        )


def index_everything(platform: Platform, progress: Progress | None = None) -> None:
    """Feed every user, live post, public hashtag and ready video to the search backend."""
    from socialflow.search.service import rebuild_index

    rebuild_index(platform, progress)
