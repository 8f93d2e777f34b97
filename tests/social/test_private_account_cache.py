"""Cached feed pages follow an account going private or public, and a follow request
being approved, at once (the feed cache is on, with a long time to live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.feeds.cache import FeedCache
from tests.social.conftest import Actor, feed_ids, follow, make_post

TAG = "cachedsecret"


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"feed_cache_seconds": 60.0}


def seen_by(api: Callable[..., httpx.Response], who: Actor | None, author: Actor) -> set[str]:
    """The routes through which ``who`` sees any post of ``author`` (each read twice, so
    the second comes from the cache when nothing moved)."""
    routes = {
        "explore": "/feed/explore",
        "hashtag": f"/feed/hashtag/{TAG}",
        "profile": f"/users/{author.name}/posts",
    }
    if who is not None:
        routes["home"] = "/feed/home"
    seen = set()
    for name, path in routes.items():
        first = feed_ids(api, path, who)
        assert feed_ids(api, path, who) == first
        items = api("GET", path, who).json()["items"]
        if any(item["author"]["id"] == author.id for item in items):
            seen.add(name)
    return seen


def set_private(api: Callable[..., httpx.Response], who: Actor, value: bool) -> None:
    response = api("PATCH", "/users/me", who, json={"is_private": value})
    assert response.status_code == 200, response.text
    assert response.json()["is_private"] is value


def test_cached_pages_follow_privacy_and_approvals(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    author, follower, requester = actor("author"), actor("follower"), actor("requester")
    follow(api, follower, author)
    make_post(api, author, f"hello #{TAG}")
    everywhere = {"explore", "hashtag", "profile"}
    assert seen_by(api, None, author) == everywhere
    assert seen_by(api, requester, author) == everywhere
    assert seen_by(api, follower, author) == everywhere | {"home"}
    hits = platform.get(FeedCache).pages.hits
    assert hits > 0  # the second reads came from the cache

    set_private(api, author, True)
    assert seen_by(api, None, author) == set()
    assert seen_by(api, requester, author) == set()
    # Followers keep the posts, but only where a listing is theirs (not public ones).
    assert seen_by(api, follower, author) == {"profile", "home"}

    assert follow(api, requester, author) == "requested"
    assert seen_by(api, requester, author) == set()  # a request is not a follow
    approve = api("POST", f"/users/me/follow-requests/{requester.name}/approve", author)
    assert approve.status_code == 200, approve.text
    assert seen_by(api, requester, author) == {"profile", "home"}

    set_private(api, author, False)
    assert seen_by(api, None, author) == everywhere
    assert seen_by(api, requester, author) == everywhere | {"home"}
