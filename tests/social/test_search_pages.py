"""Search pages stay full when the viewer may see only some hits: a private account's
many matching posts do not leave a stranger with empty pages, and paging neither
repeats nor skips a post (within ``MAX_SEARCH_ROUNDS`` backend queries a page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.social.conftest import Actor, follow, make_post

WORD = "wombatfeast"


def pages(api: Callable[..., httpx.Response], who: Actor | None) -> list[list[int]]:
    found: list[list[int]] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"q": WORD, "type": "posts", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = api("GET", "/search", who, params=params)
        assert response.status_code == 200, response.text
        found.append([item["id"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("pagination did not end")


def test_pages_stay_full_past_posts_the_viewer_may_not_see(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    open_author, secret, follower = actor("openauthor"), actor("secret"), actor("follower")
    stranger = actor("stranger")
    follow(api, follower, secret)
    # Longer public texts and newer private ones: the backend ranks the hidden hits first.
    public = [
        make_post(api, open_author, f"{WORD} from an open account, number {n}")["id"]
        for n in range(3)
    ]
    assert api("PATCH", "/users/me", secret, json={"is_private": True}).status_code == 200
    hidden = [make_post(api, secret, f"{WORD} {n}")["id"] for n in range(6)]
    for who in (stranger, None):
        seen = pages(api, who)
        assert sorted(i for page in seen for i in page) == sorted(public)
        # Every page before the last one showing something is full (hidden hits after
        # the last visible one may still cost a final, empty page).
        last = max(n for n, page in enumerate(seen) if page)
        assert [len(page) for page in seen[:last]] == [2] * last, seen
    everything = [i for page in pages(api, follower) for i in page]
    assert sorted(everything) == sorted(public + hidden)  # once each
