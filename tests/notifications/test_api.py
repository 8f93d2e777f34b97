"""The HTTP surface: paging, filters, unread counts, marking read, who may touch
what, and problem+json errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.notifications.conftest import kinds_of, notes, ok, unread
from tests.social.conftest import all_pages, follow, make_post

PROBLEM = "application/problem+json"


@pytest.fixture
def popular(api, actor) -> dict[str, Any]:
    """Alice with twelve followers, and a post that Bob likes (13 notifications)."""
    alice, bob = actor("alice"), actor("bob")
    fans = [actor(f"fan{i:02d}") for i in range(12)]
    for fan in fans:
        follow(api, fan, alice)
    post = make_post(api, alice, "popular")
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    return {"alice": alice, "bob": bob, "fans": fans, "post": post}


def test_pages_are_stable_without_duplicates_or_gaps(api, actor, popular) -> None:
    alice = popular["alice"]
    everything = [n["id"] for n in notes(api, alice)]
    assert len(everything) == 13
    assert everything == sorted(everything, reverse=True)
    assert all_pages(api, "/notifications", alice, limit=5) == everything
    assert all_pages(api, "/notifications", alice, limit=13) == everything
    # New notifications arriving between pages do not shift the next page.
    first = api("GET", "/notifications", alice, params={"limit": 5}).json()
    follow(api, actor("latecomer"), alice)
    rest = all_pages_from(api, alice, first["next_cursor"])
    assert [n["id"] for n in first["items"]] + rest == everything
    # A notification hidden later (a muted fan) leaves no gap and no short page.
    ok(api("POST", f"/users/{popular['fans'][5].name}/mute", alice))
    page = api("GET", "/notifications", alice, params={"limit": 5}).json()
    assert len(page["items"]) == 5
    assert len(all_pages(api, "/notifications", alice, limit=4)) == 13  # 14 - 1 muted


def all_pages_from(api, who, cursor: str) -> list[int]:
    ids: list[int] = []
    while cursor:
        body = api("GET", "/notifications", who, params={"limit": 5, "cursor": cursor}).json()
        ids += [n["id"] for n in body["items"]]
        cursor = body["next_cursor"]
    return ids


def test_kinds_and_unread_filters(api, popular) -> None:
    alice = popular["alice"]
    assert kinds_of(api, alice, kinds="liked") == [("liked", "bob")]
    assert len(notes(api, alice, kinds="liked,followed")) == 13
    assert len(notes(api, alice, kinds="followed")) == 12
    assert notes(api, alice, kinds="shared") == []
    liked = notes(api, alice, kinds="liked")[0]["id"]
    assert ok(api("POST", "/notifications/read", alice, json={"ids": [liked]})) == {"updated": 1}
    assert liked not in [n["id"] for n in notes(api, alice, unread="true")]
    assert len(notes(api, alice, unread="true")) == 12
    assert notes(api, alice, kinds="liked")[0]["read"] is True


def test_mark_read_by_ids_up_to_and_all(api, popular) -> None:
    alice = popular["alice"]
    ids = [n["id"] for n in notes(api, alice)]  # newest first
    assert unread(api, alice) == 13
    body = ok(api("POST", "/notifications/read", alice, json={"ids": ids[:2]}))
    assert body == {"updated": 2}
    assert unread(api, alice) == 11
    # Already read ones do not count twice.
    assert ok(api("POST", "/notifications/read", alice, json={"ids": ids[:3]})) == {"updated": 1}
    # up_to: every id up to and including it (the oldest five).
    assert ok(api("POST", "/notifications/read", alice, json={"up_to": ids[-5]})) == {"updated": 5}
    assert unread(api, alice) == 5
    assert [n["read"] for n in notes(api, alice)] == [True] * 3 + [False] * 5 + [True] * 5
    assert ok(api("POST", "/notifications/read", alice, json={"all": True})) == {"updated": 5}
    assert unread(api, alice) == 0
    assert notes(api, alice, unread="true") == []
    assert ok(api("POST", "/notifications/read", alice, json={"all": True})) == {"updated": 0}
    assert ok(api("POST", "/notifications/read", alice, json={"ids": []})) == {"updated": 0}


def test_no_idor_on_mark_read(api, actor, popular) -> None:
    alice, bob = popular["alice"], popular["bob"]
    theirs = [n["id"] for n in notes(api, alice)]
    mallory = actor("mallory")
    follow(api, alice, mallory)  # Mallory has one notification of her own
    for body in ({"ids": theirs}, {"up_to": max(theirs)}):
        assert ok(api("POST", "/notifications/read", bob, json=body)) == {"updated": 0}
    assert ok(api("POST", "/notifications/read", mallory, json={"all": True})) == {"updated": 1}
    # Alice's are all still unread; Bob and Mallory saw nothing of them.
    assert unread(api, alice) == 13
    assert all(n["read"] is False for n in notes(api, alice))
    assert notes(api, bob) == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/notifications", None),
        ("GET", "/notifications/unread_count", None),
        ("POST", "/notifications/read", {"all": True}),
    ],
)
def test_anonymous_gets_401(api, method: str, path: str, body: Any) -> None:
    response = api(method, path, None, json=body)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith(":unauthorized")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": [1], "all": True},
        {"ids": [1], "up_to": 3},
        {"all": False},
        {"all": True, "role": "admin"},
        {"ids": "1,2"},
        {"ids": [1] * 501},
        {"up_to": 0},
        {"up_to": "x"},
        [1, 2],
    ],
)
def test_bad_read_bodies(api, actor, body: Any) -> None:
    response = api("POST", "/notifications/read", actor("alice"), json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith(":validation-error")


@pytest.mark.parametrize(
    ("params", "slug"),
    [
        ({"kinds": "liked,bogus"}, "invalid-kind"),
        ({"cursor": "abc"}, "invalid-cursor"),
        ({"limit": 0}, "validation-error"),
        ({"limit": 101}, "validation-error"),
        ({"unread": "maybe"}, "validation-error"),
    ],
)
def test_bad_list_parameters(api, actor, params: dict[str, Any], slug: str) -> None:
    response = api("GET", "/notifications", actor("alice"), params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith(f":{slug}")
