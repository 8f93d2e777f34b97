"""A followers-only or private post never reaches a non-follower through any route;
a blocked user sees nothing of the blocker anywhere; a private account's posts,
whatever their own visibility, reach only its approved followers (never a pending
requester, a stranger or an anonymous reader) and never a public listing.

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
    api: Callable[..., Any],
    who: Actor | None,
    post_id: int,
    author: str,
    tag: str = TAG,
    word: str = WORD,
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
        "hashtag": post_id in ids(f"/feed/hashtag/{tag}"),
        "profile": post_id in ids(f"/users/{author}/posts"),
        "search": post_id in ids("/search", q=word, type="posts"),
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


# ------------------------------------------------------------ private accounts

SECRET_TAG = "secretmatrix"
SECRET_WORD = "quokkaphant"


@pytest.fixture
def private_cast(api, actor) -> dict[str, Any]:
    """A private account with an approved follower, a pending requester, a stranger and a
    blocked ex-follower. Its posts were written (mentioning everyone) and liked while it
    was public, so notification rows and trending counters exist: the read side must
    hide them once the account is private."""
    author = actor("secret")
    follower, requester = actor("follower"), actor("requester")
    stranger, blocked = actor("stranger"), actor("blocked")
    follow(api, follower, author)
    follow(api, blocked, author)
    mentions = "@follower @requester @stranger @blocked"
    posts = {
        vis: make_post(api, author, f"{SECRET_WORD} #{SECRET_TAG} {vis} {mentions}", vis)["id"]
        for vis in ("public", "followers", "private")
    }
    api("POST", f"/posts/{posts['public']}/like", follower)
    made_private = api("PATCH", "/users/me", author, json={"is_private": True})
    assert made_private.status_code == 200, made_private.text
    assert follow(api, requester, author) == "requested"
    assert api("POST", f"/users/{blocked.name}/block", author).status_code == 200
    return {
        "author": author,
        "follower": follower,
        "requester": requester,
        "stranger": stranger,
        "blocked": blocked,
        "anonymous": None,
        "posts": posts,
    }


# (visibility, viewer) -> may the viewer see the private account's post?
PRIVATE_ACCOUNT_EXPECTED = {
    **{(vis, "author"): True for vis in ("public", "followers", "private")},
    ("public", "follower"): True,
    ("followers", "follower"): True,
    ("private", "follower"): False,
    **{
        (vis, who): False
        for vis in ("public", "followers", "private")
        for who in ("requester", "stranger", "anonymous", "blocked")
    },
}


def test_private_account_matrix(api, private_cast) -> None:
    cast = private_cast
    failures = []
    for (visibility, viewer), allowed in PRIVATE_ACCOUNT_EXPECTED.items():
        post_id = cast["posts"][visibility]
        seen = _routes(
            api, cast[viewer], post_id, cast["author"].name, tag=SECRET_TAG, word=SECRET_WORD
        )
        for route, reached in seen.items():
            # Public listings never show a private account's posts, not even to itself.
            expected = allowed and route not in PUBLIC_ONLY
            if route in HOME_ONLY and viewer not in {"author", "follower"}:
                expected = False
            if (route, viewer) in NOT_ASKED:
                continue
            if reached != expected:
                verb = "reached" if reached else "did not reach"
                failures.append(
                    f"{visibility} post of a private account {verb} {viewer} via {route}"
                )
    assert not failures, "\n".join(failures)


def test_private_account_posts_cannot_be_shared_or_counted(api, private_cast) -> None:
    """Sharing would re-broadcast to people the account never approved: refused to its
    followers (422), invisible to everyone else (404). Nothing trends from it."""
    cast = private_cast
    post_id = cast["posts"]["public"]
    assert api("POST", f"/posts/{post_id}/share", cast["follower"]).status_code == 422
    for who in ("requester", "stranger", "blocked"):
        assert api("POST", f"/posts/{post_id}/share", cast[who]).status_code == 404, who
    assert api("POST", f"/posts/{post_id}/share", None).status_code == 401
    # Written while private: its hashtags never count toward public trending.
    fresh = make_post(api, cast["author"], "#hushhush quiet", "public")
    api("POST", f"/posts/{fresh['id']}/like", cast["follower"])
    api("POST", f"/posts/{fresh['id']}/comments", cast["follower"], json={"text": "nice"})
    for viewer in (None, cast["follower"], cast["author"]):
        tags = api("GET", "/trending/hashtags", viewer, params={"window": "1h"}).json()["items"]
        assert "hushhush" not in [t["tag"] for t in tags]
        posts = api("GET", "/trending/posts", viewer, params={"window": "1h"}).json()["items"]
        assert not {p["id"] for p in posts} & {fresh["id"], *cast["posts"].values()}
    # Its public hashtags are not findable either (the tag alone names its posts).
    found = api("GET", "/search", None, params={"q": "hushhush", "type": "hashtags"})
    assert found.status_code == 200, found.text
    assert "hushhush" not in [t["tag"] for t in found.json()["items"]]
    # The pending requester's view changes once approved, and only then.
    requester = cast["requester"]
    assert api("GET", f"/posts/{post_id}", requester).status_code == 404
    approved = api("POST", f"/users/me/follow-requests/{requester.name}/approve", cast["author"])
    assert approved.status_code == 200, approved.text
    assert api("GET", f"/posts/{post_id}", requester).status_code == 200
    assert api("POST", f"/posts/{post_id}/like", requester).status_code == 200
