"""Micro-caches of the feed's hot path: pages, page skeletons, token checks,
viewer facts and hydrated posts.

A feed page costs several database round trips (token holder, timeline,
posts with authors, images, likes, hidden accounts, followers-only checks);
a bare JSON endpoint costs none. Everything here is stamped with generation
counters (``services.generations``) and served only while they stand, so
anything that changes what a viewer may see, or their own actions (a like,
a follow, a block, a logout), takes effect at once:

* ``skeletons``: which posts a page shows, in order, which of them the
  viewer liked, and its next cursor; stamped with the viewer's generations.
* ``posts``: hydrated posts (row with author columns, video, images: the
  same for every viewer), shared by all viewers, stamped with their own
  generation (a like, share or comment moves it), their author's (a profile
  change) and ``all`` (edits, deletions, suspensions).
* ``pages``: the encoded body of a page, for polling clients. Its posts'
  counters are not in its stamp, so it lives only ``feed_cache_seconds``.
* ``tokens``, ``viewers``, ``recent_posts``: a token's holder found valid,
  whom a viewer may not see and follows, big accounts' newest posts.

Stamped entries are exact while every process hears every bump (Redis
pub/sub, or one process): they live ``SHARED_FACTS_TTL_SECONDS``, a bound
for lost messages; without Redis, ``feed_cache_seconds``. What may lag is
what moves without an event: view counts. ``feed_cache_seconds = 0`` turns
all of it off.

All are bounded LRU maps in this process; entries are bytes, small tuples
and rows, so tens of thousands cost a few tens of MB at most.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from socialflow.feeds.generations import Stamp

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

V = TypeVar("V")
FeedName = Literal["home", "explore", "hashtag", "profile"]


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    stamp: Stamp
    expires: float
    value: V


class StampedCache(Generic[V]):
    """A bounded LRU map whose entries hold while their stamp is current and unexpired."""

    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > 0 and self.max_entries > 0

    def get(self, key: Hashable, stamp: Stamp) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry.stamp != stamp or entry.expires < time.monotonic():
            self.misses += 1
            return None
        self.hits += 1
        return entry.value

    def get_checked(self, key: Hashable, stamp_of: Callable[[V], Stamp]) -> V | None:
        """Like :meth:`get`, for entries whose stamp depends on the value (a post's author)."""
        entry = self._entries.get(key)
        if (
            entry is None
            or entry.expires < time.monotonic()
            or entry.stamp != stamp_of(entry.value)
        ):
            self.misses += 1
            return None
        self.hits += 1
        return entry.value

    def put(self, key: Hashable, stamp: Stamp, value: V, *, ttl: float | None = None) -> None:
        """Keep ``value`` under ``stamp`` for ``ttl`` seconds (default: the cache's)."""
        if not self.enabled:
            return
        entry = _Entry(stamp, time.monotonic() + (self.ttl if ttl is None else ttl), value)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class PageKey:
    """What a cached page depends on besides the stamp."""

    feed: FeedName
    ranker: str
    viewer_id: int | None
    tag: str | None
    cursor: str | None
    limit: int


@dataclass(frozen=True, slots=True)
class TokenKey:
    user_id: int
    session_id: str | None
    token_version: int


@dataclass(frozen=True, slots=True)
class ViewerFacts:
    """What a viewer's feeds depend on besides the posts (see ``services.feeds``)."""

    hidden: frozenset[int]
    followed: frozenset[int]
    followed_big_accounts: tuple[int, ...]


NO_FACTS = ViewerFacts(frozenset(), frozenset(), ())


@dataclass(frozen=True, slots=True)
class PageSkeleton:
    """A page without its posts' bodies: what it shows, in order, which of those the
    viewer liked, and the cursor of the next page."""

    shown: tuple[int, ...]
    liked: frozenset[int]
    next_cursor: str | None
    # Videos of shown posts that are for an audience the viewer is not in.
    locked: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class HydratedPost:
    """A live post as every viewer sees it: its row (with author columns), the
    public shapes of its video and images. Whether the viewer liked it is
    theirs alone and never cached here."""

    row: Any
    video: dict[str, Any] | None
    images: list[dict[str, Any]]
    # Other apps' counters (socialflow_counters), as fresh as the cached post.
    counters: dict[str, int] | None = None


class FeedCache:
    """The caches of one platform (built from its settings)."""

    def __init__(self, *, ttl_seconds: float, max_entries: int, facts_ttl_seconds: float) -> None:
        """``ttl_seconds`` bounds whole pages; ``facts_ttl_seconds`` the stamped entries,
        exact while every process hears every bump (see the module doc)."""

        def stamped(ttl: float) -> StampedCache[Any]:
            return StampedCache(ttl_seconds=ttl, max_entries=max_entries)

        self.pages: StampedCache[bytes] = stamped(ttl_seconds)
        self.skeletons: StampedCache[PageSkeleton] = stamped(facts_ttl_seconds)
        self.posts: StampedCache[HydratedPost] = stamped(facts_ttl_seconds)
        self.tokens: StampedCache[bool] = stamped(facts_ttl_seconds)
        self.viewers: StampedCache[ViewerFacts] = stamped(facts_ttl_seconds)
        self.recent_posts: StampedCache[tuple[int, ...]] = stamped(facts_ttl_seconds)


# How long token checks and viewer facts are kept when every process hears every bump.
SHARED_FACTS_TTL_SECONDS = 60.0


def build_feed_cache(settings: Settings, *, shared_bumps: bool) -> FeedCache:
    """The feed cache of a platform; ``shared_bumps`` when every process hears every bump
    (stamped entries are exact then and may live longer)."""
    ttl = settings.feed_cache_seconds
    facts_ttl = max(ttl, SHARED_FACTS_TTL_SECONDS) if ttl and shared_bumps else ttl
    return FeedCache(
        ttl_seconds=ttl,
        max_entries=settings.feed_cache_max_entries,
        facts_ttl_seconds=facts_ttl,
    )
