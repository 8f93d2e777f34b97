"""A followers-only or private post never reaches a non-follower through any route;
a blocked user sees nothing of the blocker anywhere.

Routes covered: post GET, comments (list and create), likes, home / explore /
hashtag / profile feeds, search, trending posts, bookmarks, notifications.
Each post mentions every viewer, so the notifications route is asked whether
a mention of a post the viewer may not see ever reaches them (the blocked
user was mentioned before the block: those rows exist and must stay hidden).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.social.conftest import Actor, follow, make_post

TAG = "matrixtag"
WORD = "zebracorn"
MENTIONS = "@follower @stranger @blocked"


def _routes(
    api: Callable[..., Any], who: Actor | None, post_id: int, author: str
) -> dict[str, bool]:
    """For each route, whether ``post_id`` reached ``who`` through it."""

    def ids(path: str, **params: Any) -> list[int]:
        response = api("GET", path, who, params=params)
        if response.status_code == 404:
            return []
        assert response.status_code == 200, (path, response.text)
        return [item["id"] for item in response.json()["items"]]

    seen = {
        "post": api("GET", f"/posts/{post_id}", who).status_code == 200,
        "comments": api("GET", f"/posts/{post_id}/comments", who).status_code == 200,
        "explore": post_id in ids("/feed/explore"),
        "hashtag": post_id in ids(f"/feed/hashtag/{TAG}"),
        "profile": post_id in ids(f"/users/{author}/posts"),
        "search": post_id in ids("/search", q=WORD, type="posts"),
        "trending": post_id in ids("/trending/posts", window="1h"),
    }
    if who is not None:
        seen["home"] = post_id in ids("/feed/home")
        seen["like"] = api("POST", f"/posts/{post_id}/like", who).status_code == 200
        seen["comment"] = (
            api("POST", f"/posts/{post_id}/comments", who, json={"text": "hi"}).status_code == 201
        )
        api("POST", f"/posts/{post_id}/bookmark", who)
        seen["bookmarks"] = post_id in ids("/bookmarks")
        notified = api("GET", "/notifications", who, params={"limit": 100})
        assert notified.status_code == 200, notified.text
        seen["notifications"] = post_id in [
            (item["post"] or {}).get("id") for item in notified.json()["items"]
        ]
    return seen


@pytest.fixture
def cast(api, actor) -> dict[str, Any]:
    author = actor("author")
    follower, stranger, blocked = actor("follower"), actor("stranger"), actor("blocked")
    follow(api, follower, author)
    follow(api, blocked, author)
    posts = {
        vis: make_post(api, author, f"{WORD} #{TAG} {vis} {MENTIONS}", vis)["id"]
        for vis in ("public", "followers", "private")
    }
    # Engagement so the public post trends.
    api("POST", f"/posts/{posts['public']}/like", follower)
    assert api("POST", f"/users/{blocked.name}/block", author).status_code == 200
    return {
        "author": author,
        "follower": follower,
        "stranger": stranger,
        "blocked": blocked,
        "anonymous": None,
        "posts": posts,
    }


# (visibility, viewer) -> may the viewer see the post?
EXPECTED = {
    ("public", "author"): True,
    ("public", "follower"): True,
    ("public", "stranger"): True,
    ("public", "anonymous"): True,
    ("public", "blocked"): False,
    ("followers", "author"): True,
    ("followers", "follower"): True,
    ("followers", "stranger"): False,
    ("followers", "anonymous"): False,
    ("followers", "blocked"): False,
    ("private", "author"): True,
    ("private", "follower"): False,
    ("private", "stranger"): False,
    ("private", "anonymous"): False,
    ("private", "blocked"): False,
}
# Routes that only ever list public posts, whoever looks (search follows the post rules).
PUBLIC_ONLY = {"explore", "hashtag", "trending"}
# Routes that list only what the viewer follows (or wrote).
HOME_ONLY = {"home"}
# The author hears of their own posts only through what others do to them
# (likes, comments: tests/notifications), so the matrix does not ask.
NOT_ASKED = {("notifications", "author")}


def test_visibility_and_block_matrix(api, cast) -> None:
    failures = []
    for (visibility, viewer), allowed in EXPECTED.items():
        post_id = cast["posts"][visibility]
        seen = _routes(api, cast[viewer], post_id, cast["author"].name)
        for route, reached in seen.items():
            expected = allowed
            if route in PUBLIC_ONLY and visibility != "public":
                expected = False
            if route == "trending" and not (visibility == "public" and allowed):
                expected = False
            if route in HOME_ONLY and viewer not in {"author", "follower"}:
                expected = False
            if (route, viewer) in NOT_ASKED:
                continue
            if reached and not expected:
                failures.append(f"{visibility} post reached {viewer} through {route}")
            if expected and not reached:
                failures.append(f"{visibility} post did not reach {viewer} through {route}")
    assert not failures, "\n".join(failures)


def test_blocked_user_sees_nothing_of_the_blocker(api, cast) -> None:
    blocked, author = cast["blocked"], cast["author"]
    assert api("GET", f"/users/{author.name}/posts", blocked).status_code == 404
    assert api("GET", f"/users/{author.name}/followers", blocked).status_code == 404
    assert api("POST", f"/users/{author.name}/follow", blocked).status_code == 404
    users = api("GET", "/search", blocked, params={"q": "author", "type": "users"}).json()["items"]
    assert author.id not in [u["id"] for u in users]
    # Comments by the blocker on someone else's post are hidden from the blocked user too.
    third = make_post(api, cast["stranger"], "open thread")
    api("POST", f"/posts/{third['id']}/comments", author, json={"text": "from the blocker"})
    comments = api("GET", f"/posts/{third['id']}/comments", blocked).json()["items"]
    assert [c for c in comments if c["author"]["id"] == author.id] == []
    # Notifications: the blocker replying to, or mentioning, the blocked user
    # tells them nothing, and nothing written before the block shows either.
    mine = api("POST", f"/posts/{third['id']}/comments", blocked, json={"text": "hello"})
    assert mine.status_code == 201, mine.text
    reply = {"text": "@blocked hi", "parent_id": mine.json()["id"]}
    assert api("POST", f"/posts/{third['id']}/comments", author, json=reply).status_code == 201
    make_post(api, author, "hey @blocked")
    notified = api("GET", "/notifications", blocked, params={"limit": 100}).json()["items"]
    assert [n for n in notified if n["actor"]["id"] == author.id] == []
    assert [n for n in notified if (n["post"] or {}).get("author", {}).get("id") == author.id] == []
    assert api("GET", "/notifications/unread_count", blocked).json()["count"] == 0
    # And the followers list of a third party leaves the blocker out.
    follow(api, author, cast["stranger"])
    listed = api("GET", f"/users/{cast['stranger'].name}/followers", blocked).json()["items"]
    assert author.id not in [u["id"] for u in listed]
