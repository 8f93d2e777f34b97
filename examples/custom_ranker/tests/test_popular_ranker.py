"""The ``popular`` ranker passes socialflow's ranker suite and is selected through settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from socialflow.plugins.protocols import FeedCandidate, FeedContext
from socialflow.testing.conformance import RankerConformance

from socialflow_custom_ranker import PopularityRanker, PopularitySettings

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class TestPopularRanker(RankerConformance):
    @pytest.fixture
    def ranker(self) -> PopularityRanker:
        return PopularityRanker(PopularitySettings())


def candidates() -> list[FeedCandidate]:
    """Newest first is a, b, c; by engagement it is c, a, b."""
    return [
        FeedCandidate("a", "u1", NOW - timedelta(minutes=5), like_count=3),
        FeedCandidate("b", "u2", NOW - timedelta(minutes=10)),
        FeedCandidate("c", "u3", NOW - timedelta(minutes=30), like_count=40, share_count=5),
    ]


class TestSelectedThroughSettings:
    @pytest.fixture
    def socialflow_overrides(self) -> dict[str, Any]:
        return {"ranker": "popular", "plugin": {"popular": {"half_life_hours": 2}}}

    def test_the_platform_ranks_with_it(self, platform: Any) -> None:
        assert "popular" in platform.plugins.provider_factories("ranker")
        ranker = platform.provider("ranker")
        assert ranker.name == "popular"
        assert ranker.config.half_life_hours == 2
        context = FeedContext(feed="home", viewer_id="viewer", now=NOW)
        assert [c.post_id for c in ranker.rank(candidates(), context)] == ["c", "a", "b"]
        chronological = platform.provider("ranker", "chronological")
        assert [c.post_id for c in chronological.rank(candidates(), context)] == ["a", "b", "c"]


class TestReordersTheHomeFeed:
    """Over real HTTP: the same timeline, ordered by popularity instead of recency."""

    @pytest.fixture
    def socialflow_overrides(self) -> dict[str, Any]:
        return {"ranker": "popular"}

    def test_liked_older_post_comes_first(
        self, client: Any, make_user: Any, auth_headers: Any
    ) -> None:
        author, viewer = make_user("author"), make_user("viewer")
        fans = [make_user(f"fan{i}") for i in range(5)]
        follow = client.post("/api/v1/users/author/follow", headers=auth_headers(viewer))
        assert follow.status_code in (200, 201), follow.text
        posted = [
            client.post(
                "/api/v1/posts",
                json={"text": text, "visibility": "public"},
                headers=auth_headers(author),
            )
            for text in ("older but loved", "newer and ignored")
        ]
        assert all(p.status_code == 201 for p in posted), [p.text for p in posted]
        loved, ignored = (p.json()["id"] for p in posted)
        for fan in fans:
            liked = client.post(f"/api/v1/posts/{loved}/like", headers=auth_headers(fan))
            assert liked.status_code in (200, 201, 204), liked.text
        feed = client.get("/api/v1/feed/home", headers=auth_headers(viewer))
        assert feed.status_code == 200, feed.text
        assert [item["id"] for item in feed.json()["items"]] == [loved, ignored]
