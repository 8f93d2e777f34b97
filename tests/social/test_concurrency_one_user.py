"""One user's own requests racing each other, over real HTTP.

A double-tapped like button, a retried follow, two devices approving the same
follow request: the same user sends the same (or the opposite) request many
times at once. Whatever the interleaving, no request may fail with a 500, no
relation may be stored twice, and every counter must equal the rows it counts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from socialflow.accounts.models import User
from socialflow.graph.models import Follow, FollowRequest
from socialflow.social.models import Post, PostLike
from tests.social.conftest import Actor, make_post

REQUESTS = 24
THREADS = 12  # fewer than the server's worker threads (SQLite: a writer must finish)


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    # SQLite serialises writers: let them queue for the lock rather than give up after 5 s.
    return {"sqlite_busy_timeout_ms": 60_000}


@pytest.fixture
def race(live_server: str) -> Callable[[list[tuple[str, str, Actor]]], list[int]]:
    """``race([(method, path, who), ...])`` sends them all at once; returns the statuses."""

    def send_all(calls: list[tuple[str, str, Actor]]) -> list[int]:
        limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
        with (
            httpx.Client(base_url=f"{live_server}/api/v1", timeout=60, limits=limits) as http,
            ThreadPoolExecutor(max_workers=THREADS) as pool,
        ):
            return list(
                pool.map(
                    lambda call: (
                        http.request(call[0], call[1], headers=call[2].headers).status_code
                    ),
                    calls,
                )
            )

    return send_all


def _count(platform: Any, model: Any, *conditions: Any) -> int:
    with platform.session() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*conditions)).one())


def _user(platform: Any, user_id: int) -> User:
    with platform.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _assert_follow_counters_match_rows(platform: Any, *actors: Actor) -> None:
    for who in actors:
        row = _user(platform, who.id)
        followers = _count(platform, Follow, Follow.followee_id == who.id)
        following = _count(platform, Follow, Follow.follower_id == who.id)
        assert (row.follower_count, row.following_count) == (followers, following), who.name


def test_one_user_following_at_once_makes_one_follow(
    actor: Callable[..., Actor], platform: Any, race: Callable[..., list[int]]
) -> None:
    fan, star = actor("fan"), actor("star")
    statuses = race([("POST", f"/users/{star.name}/follow", fan)] * REQUESTS)
    assert set(statuses) == {200}, statuses
    assert _count(platform, Follow, Follow.follower_id == fan.id) == 1
    _assert_follow_counters_match_rows(platform, fan, star)
    assert _user(platform, star.id).follower_count == 1

    statuses = race([("DELETE", f"/users/{star.name}/follow", fan)] * REQUESTS)
    assert set(statuses) == {200}, statuses
    assert _count(platform, Follow, Follow.follower_id == fan.id) == 0
    _assert_follow_counters_match_rows(platform, fan, star)


def test_follow_and_unfollow_interleaved_keep_counters_true(
    actor: Callable[..., Actor], platform: Any, race: Callable[..., list[int]]
) -> None:
    fan, star = actor("fan"), actor("star")
    calls = [
        ("POST" if n % 2 else "DELETE", f"/users/{star.name}/follow", fan) for n in range(REQUESTS)
    ]
    statuses = race(calls)
    assert set(statuses) == {200}, statuses
    assert _count(platform, Follow, Follow.follower_id == fan.id) in (0, 1)
    _assert_follow_counters_match_rows(platform, fan, star)


def test_approving_one_follow_request_at_once_from_two_devices(
    actor: Callable[..., Actor], platform: Any, race: Callable[..., list[int]], api: Any
) -> None:
    private, asker = actor("private", is_private=True), actor("asker")
    requested = api("POST", f"/users/{private.name}/follow", asker)
    assert requested.json()["state"] == "requested", requested.text
    path = f"/users/me/follow-requests/{asker.name}/approve"
    statuses = race([("POST", path, private)] * REQUESTS)
    # The first approval wins; the others find no request left (404), none breaks.
    assert 200 in statuses, statuses
    assert set(statuses) <= {200, 404}, statuses
    assert _count(platform, Follow, Follow.follower_id == asker.id) == 1
    assert _count(platform, FollowRequest, FollowRequest.requester_id == asker.id) == 0
    _assert_follow_counters_match_rows(platform, asker, private)


def test_one_user_liking_at_once_likes_once(
    actor: Callable[..., Actor], platform: Any, race: Callable[..., list[int]], api: Any
) -> None:
    author, fan = actor("author"), actor("fan")
    post = make_post(api, author, "tap tap tap")
    statuses = race([("POST", f"/posts/{post['id']}/like", fan)] * REQUESTS)
    assert set(statuses) == {200}, statuses
    assert _like_count(platform, post["id"]) == (1, 1)

    calls = [
        ("POST" if n % 2 else "DELETE", f"/posts/{post['id']}/like", fan) for n in range(REQUESTS)
    ]
    statuses = race(calls)
    assert set(statuses) == {200}, statuses
    counter, rows = _like_count(platform, post["id"])
    assert counter == rows
    assert rows in (0, 1)

    statuses = race([("DELETE", f"/posts/{post['id']}/like", fan)] * REQUESTS)
    assert set(statuses) == {200}, statuses
    assert _like_count(platform, post["id"]) == (0, 0)


def _like_count(platform: Any, post_id: int) -> tuple[int, int]:
    """(the post's like_count, the like rows it counts)."""
    with platform.session() as session:
        post = session.get(Post, post_id)
        assert post is not None
        counter = post.like_count
    return counter, _count(platform, PostLike, PostLike.post_id == post_id)
