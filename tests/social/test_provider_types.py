"""Providers come typed by their protocols, and optional capabilities are protocols too.

``provider(kind)`` is typed per kind for the type checker (mypy checks the
call sites); at run time the optional capabilities (``LookaheadRanker``,
``BulkLoadingSearchBackend``) are found with ``isinstance``, so a provider opts
in by having the member and is treated as before when it lacks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from socialflow.feeds.pages import FeedCursor
from socialflow.plugins.protocols import (
    BulkLoadingSearchBackend,
    FeedCandidate,
    FeedContext,
    LookaheadRanker,
    SearchHits,
    StorageBackend,
)
from socialflow.plugins.specs import hookimpl
from tests.social.conftest import make_post


class NewestRanker:
    """Newest first, with no opinion on how far to look ahead."""

    name = "newest"

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        return sorted(candidates, key=lambda c: int(c.post_id), reverse=True)


class LookThreeRanker(NewestRanker):
    name = "look-three"
    lookahead = 3


class RankerPlugin:
    @hookimpl
    def socialflow_rankers(self) -> dict[str, Any]:
        return {
            "newest": lambda settings: NewestRanker(),
            "look-three": lambda s: LookThreeRanker(),
        }


class PlainSearch:
    """A search backend with the required methods only."""

    name = "plain"

    def index(self, documents: Sequence[Any]) -> None: ...

    def delete(self, kind: str, ids: Sequence[str]) -> None: ...

    def query(self, q: str, *, kind: str, limit: int = 20, cursor: str | None = None) -> SearchHits:
        return SearchHits([])


def test_builtin_providers_satisfy_their_protocols(platform: Any) -> None:
    storage = platform.storage
    assert isinstance(storage, StorageBackend)
    assert storage is platform.provider("storage") is platform.plugins.provider("storage")
    engagement = platform.provider("ranker", "engagement")
    chronological = platform.provider("ranker", "chronological")
    assert isinstance(engagement, LookaheadRanker)
    assert engagement.lookahead == 10
    assert isinstance(chronological, LookaheadRanker)
    assert chronological.lookahead == 0
    assert isinstance(platform.provider("search", "sql"), BulkLoadingSearchBackend)


def test_a_provider_without_an_optional_member_is_not_taken_for_one() -> None:
    assert not isinstance(NewestRanker(), LookaheadRanker)
    assert isinstance(LookThreeRanker(), LookaheadRanker)
    assert not isinstance(PlainSearch(), BulkLoadingSearchBackend)


@pytest.mark.parametrize(("ranker", "carried"), [("newest", 2), ("look-three", 3)])
def test_the_page_pool_follows_the_rankers_lookahead_or_the_default(
    api: Any, actor: Any, platform: Any, ranker: str, carried: int
) -> None:
    """A page of 4 is cut from 4 + lookahead candidates; the rest carry over in the
    cursor. Without ``lookahead`` the pool is ``limit // 2`` (at least 2) larger."""
    platform.plugins.register_module(RankerPlugin(), name="test-rankers")
    platform.settings.ranker = ranker
    author = actor("author")
    posts = [make_post(api, author, f"post {i}")["id"] for i in range(12)]
    body = api("GET", "/feed/explore", None, params={"limit": 4}).json()
    assert [p["id"] for p in body["items"]] == posts[::-1][:4]
    assert FeedCursor.decode(body["next_cursor"]).deferred == tuple(posts[::-1][4 : 4 + carried])
