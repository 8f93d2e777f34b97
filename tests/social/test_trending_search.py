"""Trending over sliding windows (incremental buckets) and search through the backend hook."""

from __future__ import annotations

import time

import pytest

from socialflow.social import trending
from tests.social.conftest import follow, make_post


def test_trending_hashtags_and_posts_over_windows(api, actor, platform) -> None:
    alice, bob = actor("alice"), actor("bob")
    for _ in range(3):
        make_post(api, alice, "#rust is fun")
    make_post(api, bob, "#python too")
    make_post(api, bob, "#hidden tag", "followers")
    tags = api("GET", "/trending/hashtags", params={"window": "1h"}).json()["items"]
    assert tags == [{"tag": "rust", "count": 3}, {"tag": "python", "count": 1}]
    hot = make_post(api, bob, "popular")
    cool = make_post(api, bob, "less so")
    api("POST", f"/posts/{hot['id']}/like", alice)
    api("POST", f"/posts/{hot['id']}/share", alice)
    api("POST", f"/posts/{cool['id']}/like", alice)
    posts = api("GET", "/trending/posts", params={"window": "24h"}).json()["items"]
    assert [p["id"] for p in posts] == [hot["id"], cool["id"]]
    assert api("GET", "/trending/hashtags", params={"window": "week"}).status_code == 422


def test_windows_slide_and_old_buckets_are_pruned(platform) -> None:
    bucket = platform.settings.trending_bucket_seconds
    now = time.time()
    with platform.session() as session:
        trending.count(
            session, kind="tag", keys=["old"], bucket_seconds=bucket, now=now - 7200, amount=5
        )
        trending.count(session, kind="tag", keys=["new"], bucket_seconds=bucket, now=now, amount=1)
        trending.count(
            session, kind="tag", keys=["ancient"], bucket_seconds=bucket, now=now - 200000
        )
        session.commit()
        hour = trending.top(
            session, kind="tag", window="1h", limit=10, bucket_seconds=bucket, now=now
        )
        day = trending.top(
            session, kind="tag", window="24h", limit=10, bucket_seconds=bucket, now=now
        )
        assert hour == [("new", 1)]
        assert day == [("old", 5), ("new", 1)]
        removed = trending.prune(session, bucket_seconds=bucket, now=now)
        session.commit()
        assert removed == 1


def test_search_users_posts_and_hashtags(api, actor) -> None:
    alice, bob = actor("alicewonder"), actor("bobbuilder")
    make_post(api, alice, "Painting the roses red #gardening")
    follow(api, bob, alice)
    users = api("GET", "/search", params={"q": "alicew", "type": "users"}).json()["items"]
    assert [u["username"] for u in users] == ["alicewonder"]
    posts = api("GET", "/search", bob, params={"q": "rose", "type": "posts"}).json()["items"]
    assert [p["text"] for p in posts] == ["Painting the roses red #gardening"]
    tags = api("GET", "/search", params={"q": "garden", "type": "hashtags"}).json()["items"]
    assert tags == [{"tag": "gardening", "highlight": "<mark>gardening</mark>"}]
    assert api("GET", "/search", params={"q": "x", "type": "videos"}).json()["items"] == []
    assert api("GET", "/search", params={"q": "x", "type": "planets"}).status_code == 422


def test_search_index_follows_edits_and_deletes(api, actor) -> None:
    alice = actor("alice")
    post = make_post(api, alice, "original wording")
    api("PATCH", f"/posts/{post['id']}", alice, json={"text": "replacement phrasing"})
    found = lambda q: [p["id"] for p in api("GET", "/search", params={"q": q}).json()["items"]]  # noqa: E731
    assert found("original") == []
    assert found("replacement") == [post["id"]]
    api("DELETE", f"/posts/{post['id']}", alice)
    assert found("replacement") == []


@pytest.mark.parametrize("count", [7])
def test_search_pages_with_a_cursor(api, actor, count) -> None:
    alice = actor("alice")
    made = [make_post(api, alice, f"pagination needle {i}")["id"] for i in range(count)]
    seen, cursor = [], None
    while True:
        params = {"q": "needle", "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api("GET", "/search", params=params).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)
