"""Drawing the demo data: a power-law follower graph, text pools, posts, likes, comments.

Everything is drawn in memory from one NumPy generator seeded with the plan's
``seed`` (and a seeded Faker for pools of names and sentences), so the same
plan gives the same data. Draws are vectorised: a table's worth of picks is
one array operation, not a Python call per row. Counters (followers, likes,
comments) are known before any row is written, and home timelines are merged
here from the graph just drawn (:func:`seeded_timelines`). Nothing here
touches a database: :mod:`socialflow.demo.rows` lays the draws out as table
columns and :mod:`socialflow.demo.seed` loads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from socialflow.accounts.passwords import hash_password
from socialflow.accounts.users import email_skeleton
from socialflow.feeds.rebuild import TimelineChunk

if TYPE_CHECKING:
    from faker import Faker

SEED_DOMAIN = "seed.socialflow.invalid"
DEMO_PASSWORD = "socialflow-demo"  # noqa: S105 - documented demo password of seeded users
TIMELINE_USERS = 5000  # users whose timelines are merged at once (bounds the candidates array)
TAG_POOL = 300
PROFILE_POOL = 5000
SENTENCE_POOL = 4000
VISIBILITIES = np.array(["public", "followers", "private"])
PUBLIC, PRIVATE = 0, 2
MICROSECONDS_A_DAY = 86_400_000_000


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
    # Whole days of analytics history drawn for the most followed creators (0: none).
    analytics_days: int = 0


@dataclass
class Ids:
    """Where the seed's users and posts start: index ``i`` is id ``first + i``."""

    first_user: int
    first_post: int


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


def utc64(moment: datetime) -> np.datetime64:
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


def chosen(pool: list[str], picks: np.ndarray) -> list[str]:
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
    emails = [f"{key}@{SEED_DOMAIN}" for key in keys]
    age = ((days + rng.random(count) * 300) * MICROSECONDS_A_DAY).astype("timedelta64[us]")
    return {
        "id": first_id + np.arange(count),
        "username": names,
        "username_key": keys,
        "email": emails,
        # As registration sets it: a lookalike of a seeded address is refused too.
        "email_skeleton": [email_skeleton(email) for email in emails],
        "email_verified_at": now,
        "password_hash": hash_password(DEMO_PASSWORD),
        "display_name": chosen(pools.full_names, rng.integers(len(pools.full_names), size=count)),
        "bio": chosen(pools.bios, rng.integers(len(pools.bios), size=count)),
        "role": "user",
        "state": "active",
        "is_private": rng.random(count) < 0.05,
        "follower_count": graph.followers,
        "following_count": graph.following,
        "token_version": 0,
        "created_at": utc64(now) - age,
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
        created=utc64(now) - np.timedelta64(span, "us") + offsets.astype("timedelta64[us]"),
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


# ------------------------------------------------------------------ timelines


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
