"""Micro-caches of the feed's hot path: whole serialized pages and token checks.

A feed page costs several database round trips (token holder, timeline,
posts with authors and likes, hidden accounts, followers-only checks); a
bare JSON endpoint costs none. Clients poll their feeds, so the same page is
asked for again and again: this keeps the encoded body of each page, keyed
by viewer, feed and cursor, for ``feed_cache_seconds`` *and only while the
viewer's generations are unchanged* (``services.generations``). So anything
that changes what the viewer may see, or their own actions (a like, a
follow, a block, a logout), takes effect at once; what may lag by up to
``feed_cache_seconds`` is other people's counters and profile names, as on
any cached timeline. ``feed_cache_seconds = 0`` turns it off.

The token check is kept the same way: a token's holder was found valid
under stamp S, so while S stands (no logout, revocation, new token version
or suspension: each moves the user's counter) the answer stands.

Both are bounded LRU maps in this process; entries are bytes and small
tuples, so tens of thousands cost a few tens of MB at most.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from socialflow.services.generations import Stamp

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

    def put(self, key: Hashable, stamp: Stamp, value: V) -> None:
        if not self.enabled:
            return
        entry = _Entry(stamp, time.monotonic() + self.ttl, value)
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
    followed_big_accounts: tuple[int, ...]


class FeedCache:
    """The caches of one platform (built from its settings)."""

    def __init__(self, *, ttl_seconds: float, max_entries: int, facts_ttl_seconds: float) -> None:
        """``facts_ttl_seconds`` bounds token checks and viewer facts: these are exact
        while every process hears every bump (Redis), so they may live longer than
        pages, whose other people's counters age."""
        self.pages: StampedCache[bytes] = StampedCache(
            ttl_seconds=ttl_seconds, max_entries=max_entries
        )
        self.tokens: StampedCache[bool] = StampedCache(
            ttl_seconds=facts_ttl_seconds, max_entries=max_entries
        )
        self.viewers: StampedCache[ViewerFacts] = StampedCache(
            ttl_seconds=facts_ttl_seconds, max_entries=max_entries
        )
