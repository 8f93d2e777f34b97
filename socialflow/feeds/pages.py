"""Home, explore and hashtag feeds, and the fan-out that fills home timelines.

**Hybrid fan-out.** A new post is written to the timelines of its author's
followers by Celery tasks, one task per ``fanout_chunk_size`` followers (a
post by an account with 100k followers is 100 messages, not 100k). Accounts
with at least ``fanout_threshold`` followers are not fanned out at all: their
posts are merged into each follower's home feed when it is read, so they
cost O(1) writes.

**Ranking and cursors.** A page is cut from candidates older than the
cursor's boundary id, plus the candidates the previous page fetched but did
not show ("deferred", carried in the cursor). The active Ranker orders that
pool, the first ``limit`` are shown and the rest deferred. Every candidate is
shown exactly once whatever the ranker does, and posts created after the
first page (higher ids) never shift later pages: no duplicates, no gaps.

Long because the read side and the write side of home timelines share one
model: which posts a follower's timeline holds (own posts, followees under
the threshold, reposts), which are merged at read time (big accounts), and
how the cursor walks both. The fan-out, the backfill after a follow and the
page cut must agree on those rules line for line; kept together, a change
to one is visibly a change to the others.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, union_all

from socialflow.accounts.models import AccountState, User
from socialflow.core.db.sqlutil import DB
from socialflow.core.errors import ValidationProblem
from socialflow.core.inputs import MAX_DB_ID
from socialflow.feeds.cache import (
    NO_FACTS,
    FeedCache,
    FeedName,
    HydratedPost,
    PageSkeleton,
    ViewerFacts,
)
from socialflow.feeds.generations import Generations
from socialflow.feeds.hydration import hydrate, render
from socialflow.feeds.timelines import timeline_store
from socialflow.graph import relations as graph
from socialflow.graph.models import Follow
from socialflow.plugins.protocols import FeedCandidate, FeedContext
from socialflow.social.models import PostHashtag, Share, Visibility
from socialflow.social.posts import (
    POSTS,
    liked_among,
    locked_videos,
    public_condition,
    visible_rows,
)

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
HASHTAGS = PostHashtag.__table__  # type: ignore[attr-defined]
SHARES = Share.__table__  # type: ignore[attr-defined]
MAX_DEFERRED = 20
MAX_FETCH_ROUNDS = 4
CELEBRITY_CACHE_SECONDS = 30.0
# Newest post ids kept per big account for their followers' home pages.
RECENT_POSTS_KEPT = 100


# ---------------------------------------------------------------------- cursor


@dataclass(frozen=True)
class FeedCursor:
    boundary: int | None = None
    deferred: tuple[int, ...] = ()

    def encode(self) -> str:
        raw = json.dumps({"b": self.boundary, "d": list(self.deferred)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> FeedCursor:
        if not value:
            return cls()
        try:
            data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            boundary = data["b"]
            deferred = tuple(_post_id(x) for x in data["d"])[:MAX_DEFERRED]
            if boundary is not None:
                boundary = _post_id(boundary)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationProblem("The cursor is not valid.", slug="invalid-cursor") from exc
        return cls(boundary, deferred)


def _post_id(value: object) -> int:
    """A post id from a decoded cursor: an int within the id column (0 for "none left")."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DB_ID:
        raise ValueError("not a post id")
    return value


# ----------------------------------------------------------------- candidates

# fetch(before, count) -> (post ids newest first, exhausted)
Fetcher = Callable[[int | None, int], tuple[list[int], bool]]


def _celebrities(platform: Platform, session: DB) -> set[int]:
    """Ids of accounts over the fan-out threshold, cached per process for a few seconds."""
    cache = platform.get(CelebrityCache)
    now = time.monotonic()
    if now - cache.at > CELEBRITY_CACHE_SECONDS:
        threshold = platform.settings.fanout_threshold
        rows = session.execute(select(USERS.c.id).where(USERS.c.follower_count >= threshold))
        cache.ids = {row[0] for row in rows}
        cache.at = now
    return cache.ids


@dataclass
class CelebrityCache:
    """The accounts over the fan-out threshold, as last read (per platform)."""

    at: float = 0.0
    ids: set[int] = field(default_factory=set)


def forget_celebrity_cache(platform: Platform) -> None:
    platform.get(CelebrityCache).at = 0.0


def _posts_by_authors(
    session: DB, author_ids: Sequence[int], before: int | None, count: int
) -> list[int]:
    """The newest ``count`` non-private posts of ``author_ids`` below ``before``.

    One ``LIMIT`` per author, merged: each is a short backward scan of the
    ``(author_id, id)`` index, where ``author_id IN (...)`` makes PostgreSQL
    gather and sort every post of every author first (117 ms for four big
    accounts at a million posts, against well under one).
    """
    if not author_ids:
        return []
    parts = []
    for author_id in author_ids:
        part = (
            select(POSTS.c.id)
            .where(
                POSTS.c.author_id == author_id,
                POSTS.c.deleted_at.is_(None),
                POSTS.c.visibility != Visibility.private.value,
            )
            .order_by(POSTS.c.id.desc())
            .limit(count)
        )
        if before is not None:
            part = part.where(POSTS.c.id < before)
        parts.append(part.subquery())
    merged = union_all(*(select(part.c.id) for part in parts)).subquery()
    statement = select(merged.c.id).order_by(merged.c.id.desc()).limit(count)
    return [row[0] for row in session.execute(statement)]


def _followed_posts(session: DB, viewer_id: int, before: int | None, count: int) -> list[int]:
    """Fan-out on read: posts by everyone the viewer follows, plus their own (deep pages)."""
    followed = select(FOLLOWS.c.followee_id).where(FOLLOWS.c.follower_id == viewer_id)
    statement = (
        select(POSTS.c.id)
        .where(
            POSTS.c.deleted_at.is_(None),
            (POSTS.c.author_id == viewer_id)
            | (POSTS.c.author_id.in_(followed) & (POSTS.c.visibility != Visibility.private.value)),
        )
        .order_by(POSTS.c.id.desc())
        .limit(count)
    )
    if before is not None:
        statement = statement.where(POSTS.c.id < before)
    return [row[0] for row in session.execute(statement)]


def viewer_facts(platform: Platform, session: DB, viewer_id: int | None) -> ViewerFacts:
    """Whom the viewer must not see, whom they follow, and which of those are big accounts.

    Kept in the feed cache while the viewer's generation stands: a block,
    mute or follow moves it, so the facts are never stale.
    """
    if viewer_id is None:
        return NO_FACTS
    cache = platform.get(FeedCache).viewers
    stamp = platform.get(Generations).stamp(viewer_id, public=False)
    facts = cache.get(viewer_id, stamp)
    if facts is None:
        hidden = frozenset(graph.hidden_user_ids(session, viewer_id))
        followed = frozenset(graph.followed_ids(session, viewer_id))
        big = tuple(sorted(followed & _celebrities(platform, session)))
        facts = ViewerFacts(hidden, followed, big)
        cache.put(viewer_id, stamp, facts)
    return facts


def _big_accounts_posts(
    platform: Platform, session: DB, author_ids: Sequence[int], before: int | None, count: int
) -> list[int]:
    """The newest ``count`` non-private posts of big accounts below ``before``.

    Every home page of their followers asks this, so each account's newest
    :data:`RECENT_POSTS_KEPT` ids are kept under its "authored" generation
    (its new posts move it; edits and deletions move ``all``); only pages
    deeper than that read the database.
    """
    cache = platform.get(FeedCache).recent_posts
    if not cache.enabled:
        return _posts_by_authors(session, author_ids, before, count)
    generations = platform.get(Generations)
    found: list[int] = []
    deeper: list[int] = []
    for author_id in author_ids:
        stamp = generations.stamp(None, public=False) + generations.authored([author_id])
        recent = cache.get(author_id, stamp)
        if recent is None:
            recent = tuple(_posts_by_authors(session, [author_id], None, RECENT_POSTS_KEPT))
            cache.put(author_id, stamp, recent)
        below = [post_id for post_id in recent if before is None or post_id < before]
        if len(below) >= count or len(recent) < RECENT_POSTS_KEPT:
            found += below[:count]  # all this page can use of them
        else:
            deeper.append(author_id)
    found += _posts_by_authors(session, deeper, before, count)
    return sorted(found, reverse=True)[:count]


def home_fetcher(platform: Platform, session: DB, viewer_id: int, facts: ViewerFacts) -> Fetcher:
    store = timeline_store(platform)
    followed_big = facts.followed_big_accounts
    checked_built = False

    def fetch(before: int | None, count: int) -> tuple[list[int], bool]:
        """The next ``count`` ids below ``before`` and whether the feed is exhausted.

        Commits: a timeline found unbuilt is built from the graph on this read
        and committed at once (it is the read's only write), so this page's
        second read and every later request see it built.
        """
        nonlocal checked_built
        ids = store.page(session, viewer_id, before, count)
        if len(ids) < count and not checked_built:
            # A short page may mean a timeline never built (or lost by Redis):
            # build it from the graph and read again. Full pages need no check.
            checked_built = True
            if not store.is_built(session, viewer_id):
                rebuild_timeline(platform, session, viewer_id, clear=False)
                session.commit()
                ids = store.page(session, viewer_id, before, count)
        exhausted = len(ids) < count
        if exhausted:
            # Beyond the capped (or seeded-shallow) timeline: read older posts
            # straight from the graph, so history never just stops.
            oldest = ids[-1] if ids else before
            ids += _followed_posts(session, viewer_id, oldest, count - len(ids))
            exhausted = len(ids) < count
        if followed_big:
            merged = _big_accounts_posts(platform, session, followed_big, before, count)
            ids = sorted(set(ids) | set(merged), reverse=True)
            exhausted = exhausted and len(merged) < count
            ids = ids[:count]
            if len(ids) == count:
                exhausted = False
        return ids, exhausted

    return fetch


def explore_fetcher(session: DB, hidden: Set[int]) -> Fetcher:
    """Posts anyone may see (``posts.public_condition``: a private account's posts never
    reach a public listing), filtered in the query so pages stay full."""

    def fetch(before: int | None, count: int) -> tuple[list[int], bool]:
        statement = (
            select(POSTS.c.id)
            .join(USERS, USERS.c.id == POSTS.c.author_id)
            .where(public_condition(), POSTS.c.deleted_at.is_(None))
            .order_by(POSTS.c.id.desc())
            .limit(count)
        )
        if before is not None:
            statement = statement.where(POSTS.c.id < before)
        if hidden:
            statement = statement.where(POSTS.c.author_id.not_in(hidden))
        ids = [row[0] for row in session.execute(statement)]
        return ids, len(ids) < count

    return fetch


def hashtag_fetcher(session: DB, tag: str, hidden: Set[int]) -> Fetcher:
    """Like :func:`explore_fetcher`, for the posts carrying ``tag``."""
    tag = tag.lstrip("#").lower()

    def fetch(before: int | None, count: int) -> tuple[list[int], bool]:
        statement = (
            select(HASHTAGS.c.post_id)
            .join(POSTS, POSTS.c.id == HASHTAGS.c.post_id)
            .join(USERS, USERS.c.id == POSTS.c.author_id)
            .where(HASHTAGS.c.tag == tag, public_condition(), POSTS.c.deleted_at.is_(None))
            .order_by(HASHTAGS.c.post_id.desc())
            .limit(count)
        )
        if before is not None:
            statement = statement.where(HASHTAGS.c.post_id < before)
        if hidden:
            statement = statement.where(POSTS.c.author_id.not_in(hidden))
        ids = [row[0] for row in session.execute(statement)]
        return ids, len(ids) < count

    return fetch


def profile_fetcher(session: DB, author_id: int) -> Fetcher:
    def fetch(before: int | None, count: int) -> tuple[list[int], bool]:
        ids = _posts_by_authors_all(session, author_id, before, count)
        return ids, len(ids) < count

    return fetch


def _posts_by_authors_all(session: DB, author_id: int, before: int | None, count: int) -> list[int]:
    statement = (
        select(POSTS.c.id)
        .where(POSTS.c.author_id == author_id, POSTS.c.deleted_at.is_(None))
        .order_by(POSTS.c.id.desc())
        .limit(count)
    )
    if before is not None:
        statement = statement.where(POSTS.c.id < before)
    return [row[0] for row in session.execute(statement)]


# ------------------------------------------------------------------- paging


def _candidate(row: Any) -> FeedCandidate:
    return FeedCandidate(
        post_id=str(row.id),
        author_id=str(row.author_id),
        created_at=row.created_at,
        like_count=row.like_count,
        comment_count=row.comment_count,
        share_count=row.share_count,
        view_count=row.view_count,
    )


def page_skeleton(
    platform: Platform,
    session: DB,
    *,
    feed: FeedName,
    viewer_id: int | None,
    fetch: Fetcher,
    cursor: str | None,
    limit: int,
    facts: ViewerFacts | None = None,
    ranker_name: str | None = None,
) -> tuple[PageSkeleton, dict[int, HydratedPost]]:
    """Choose a page's posts (see the module doc); returns it and the posts it hydrated
    (:func:`page_body` makes the two a page). ``facts`` default to :func:`viewer_facts`;
    the profile feed passes its own."""
    state = FeedCursor.decode(cursor)
    ranker = platform.provider("ranker", ranker_name)
    # LookaheadRanker's attribute, read directly: isinstance() on a runtime-checkable
    # Protocol costs ~17 us, on every page built afresh.
    declared = getattr(ranker, "lookahead", None)
    wanted = declared if isinstance(declared, int) else max(2, limit // 2)
    lookahead = min(MAX_DEFERRED, int(wanted))
    if facts is None:
        facts = viewer_facts(platform, session, viewer_id)
    posts: dict[int, HydratedPost] = {}

    def admit(post_ids: Sequence[int]) -> None:
        """Hydrate candidates and keep those the viewer may see."""
        hydrated = hydrate(platform, session, post_ids)
        rows = (post.row for post in hydrated.values())
        for row in visible_rows(
            session, viewer_id, rows, hidden=facts.hidden, followed=facts.followed
        ):
            posts[row.id] = hydrated[row.id]

    admit(state.deferred)
    boundary = state.boundary
    exhausted = boundary == 0
    want = limit + lookahead
    rounds = 0
    while not exhausted and len(posts) < want and rounds < MAX_FETCH_ROUNDS:
        rounds += 1
        count = max(want - len(posts), limit)
        ids, exhausted = fetch(boundary, count)
        ids = [i for i in ids if i not in posts]
        if ids:
            boundary = min(ids)
        admit(ids)

    context = FeedContext(
        feed=feed, viewer_id=str(viewer_id) if viewer_id else None, now=datetime.now(UTC)
    )
    candidates = [_candidate(post.row) for post in posts.values()]
    hook = platform.plugins.hook
    if candidates and hook.socialflow_rank_features.get_hookimpls():
        hook.socialflow_rank_features(session=session, candidates=candidates, context=context)
    ranked = ranker.rank(candidates, context)
    order = [int(c.post_id) for c in ranked if int(c.post_id) in posts]
    shown, rest = order[:limit], order[limit:][:MAX_DEFERRED]
    if shown and hook.socialflow_feed_served.get_hookimpls():
        hook.socialflow_feed_served(
            feed=feed,
            viewer_id=viewer_id,
            ranker=getattr(ranker, "name", ranker_name or platform.settings.ranker),
            post_ids=list(shown),
            **platform.plugins.hook_context(),
        )
    if exhausted and not rest:
        next_cursor = None
    else:
        next_cursor = FeedCursor(boundary if boundary is not None else 0, tuple(rest)).encode()
        if not shown and exhausted:
            next_cursor = None
    liked = frozenset(liked_among(session, viewer_id, shown))
    locked = frozenset(locked_videos(session, viewer_id, [posts[i].video for i in shown]))
    return PageSkeleton(tuple(shown), liked, next_cursor, locked), posts


def page_body(skeleton: PageSkeleton, posts: dict[int, HydratedPost]) -> dict[str, Any]:
    """The JSON body of a page: its posts' public shapes (those still live) and cursor."""
    shown = [posts[post_id] for post_id in skeleton.shown if post_id in posts]
    body = render(shown, skeleton.liked, skeleton.locked)
    return {"items": body, "next_cursor": skeleton.next_cursor}


# ---------------------------------------------------------------------- fan-out


def follower_ranges(session: DB, source_id: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split ``source_id``'s followers into id ranges of ``chunk_size`` (inclusive bounds)."""
    ids = [
        row[0]
        for row in session.execute(
            select(FOLLOWS.c.follower_id)
            .where(FOLLOWS.c.followee_id == source_id)
            .order_by(FOLLOWS.c.follower_id)
        )
    ]
    return [
        (ids[i], ids[min(i + chunk_size, len(ids)) - 1]) for i in range(0, len(ids), chunk_size)
    ]


def fanout_plan(
    platform: Platform, session: DB, post_id: int, via_user_id: int | None = None
) -> list[tuple[int, int]]:
    """Write the post to its author's own timeline; return follower ranges still to write.

    Commits: the first step of a fan-out. The author's own timeline write is
    committed before its cached pages are invalidated (a generation bump
    before the commit could let a reader cache the old page again), and
    before the follower chunks are queued.
    No ranges for private posts, deleted posts, or sources over the threshold
    (their followers merge them at read time).
    """
    row = session.execute(
        select(POSTS.c.author_id, POSTS.c.visibility, POSTS.c.deleted_at).where(
            POSTS.c.id == post_id
        )
    ).first()
    if row is None or row.deleted_at is not None:
        return []
    store = timeline_store(platform)
    if via_user_id is None:
        store.add(session, [row.author_id], post_id, row.author_id)
        session.commit()
        platform.get(Generations).bump([row.author_id])
        if row.visibility == Visibility.private.value:
            return []
    elif row.visibility != Visibility.public.value:
        return []
    source_id = via_user_id or row.author_id
    followers = session.execute(
        select(USERS.c.follower_count, USERS.c.state).where(USERS.c.id == source_id)
    ).first()
    if followers is None or followers.state == AccountState.deleted.value:
        return []
    if via_user_id is None and followers.follower_count >= platform.settings.fanout_threshold:
        return []
    return follower_ranges(session, source_id, platform.settings.fanout_chunk_size)


def fanout_chunk(
    platform: Platform, session: DB, post_id: int, source_id: int, low: int, high: int
) -> int:
    """Write ``post_id`` to the timelines of ``source_id``'s followers with ids in [low, high].

    Commits: one chunk of a fan-out, a step of a long job. The chunk is
    committed before the followers' cached pages are invalidated (bumping
    their generations first could let a reader cache the old page again).
    """
    followers = [
        row[0]
        for row in session.execute(
            select(FOLLOWS.c.follower_id).where(
                FOLLOWS.c.followee_id == source_id,
                FOLLOWS.c.follower_id >= low,
                FOLLOWS.c.follower_id <= high,
            )
        )
    ]
    if followers:
        timeline_store(platform).add(session, followers, post_id, source_id)
    session.commit()
    platform.get(Generations).bump(followers)  # their cached first pages are stale now
    return len(followers)


def backfill(platform: Platform, session: DB, follower_id: int, followee_id: int) -> None:
    """After a follow, bring the followee's recent posts into the follower's timeline.

    The caller commits, then bumps the follower's generation (cached pages).
    """
    recent = _posts_by_authors(session, [followee_id], None, 20)
    timeline_store(platform).add_many(session, follower_id, [(pid, followee_id) for pid in recent])


def remove_source(platform: Platform, session: DB, follower_id: int, followee_id: int) -> None:
    """After an unfollow, drop what the followee brought to the follower's timeline.

    The caller commits, then bumps the follower's generation (cached pages).
    """
    recent = _posts_by_authors(session, [followee_id], None, platform.settings.timeline_max_length)
    timeline_store(platform).remove_source(session, follower_id, followee_id, recent)


def rebuild_timeline(platform: Platform, session: DB, user_id: int, *, clear: bool = True) -> int:
    """Rebuild one home timeline from the graph: own posts, posts and reposts of
    followees below the threshold. ``clear=False`` merges into what is there."""
    store = timeline_store(platform)
    cap = platform.settings.timeline_max_length
    celebrities = _celebrities(platform, session)
    followed = select(FOLLOWS.c.followee_id).where(FOLLOWS.c.follower_id == user_id)
    statement = (
        select(POSTS.c.id, POSTS.c.author_id)
        .where(
            POSTS.c.deleted_at.is_(None),
            (POSTS.c.author_id == user_id)
            | (POSTS.c.author_id.in_(followed) & (POSTS.c.visibility != Visibility.private.value)),
        )
        .order_by(POSTS.c.id.desc())
        .limit(cap)
    )
    entries = [
        (row.id, row.author_id)
        for row in session.execute(statement)
        if row.author_id == user_id or row.author_id not in celebrities
    ]
    shared = (
        select(SHARES.c.post_id, SHARES.c.user_id)
        .join(POSTS, POSTS.c.id == SHARES.c.post_id)
        .where(
            SHARES.c.user_id.in_(followed),
            POSTS.c.deleted_at.is_(None),
            POSTS.c.visibility == Visibility.public.value,
        )
        .order_by(SHARES.c.post_id.desc())
        .limit(cap)
    )
    entries += [(row.post_id, row.user_id) for row in session.execute(shared)]
    entries = sorted(entries, reverse=True)[:cap]
    if clear:
        store.clear(session, user_id)
    store.add_many(session, user_id, entries)
    store.mark_built(session, user_id)
    return len(entries)
