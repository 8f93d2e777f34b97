"""The built-in ``sql`` search backend's highlights, on the suite's database (SQLite
FTS5, or PostgreSQL with SOCIALFLOW_TEST_BACKEND=services), through real HTTP
requests and the real index task. PostgreSQL's ranking and fuzzy user search:
``postgres/test_ranking.py``."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.search.conftest import search_items
from tests.social.conftest import Actor, make_post


def test_post_hits_carry_an_escaped_highlight(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    alice = actor("alice")
    plain = make_post(api, alice, "Down the ridge at dawn, then coffee")
    # PostgreSQL's ts_headline drops whole tags like <script> but keeps an unclosed one.
    hostile = make_post(
        api, alice, "<script>alert(1)</script> ridge 1 < 2 & valley <img src=x onerror=alert(1)>"
    )
    make_post(api, alice, "Nothing to see here")

    items = {item["id"]: item for item in search_items(api, "ridge", "posts")}
    assert set(items) == {plain["id"], hostile["id"]}
    assert "<mark>ridge</mark>" in items[plain["id"]]["highlight"].lower()
    shown = items[hostile["id"]]["highlight"]
    assert "<mark>ridge</mark>" in shown.lower()
    unmarked = shown.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in unmarked
    assert ">" not in unmarked
    assert "&lt;img" in shown
    assert "&amp;" in shown


def test_prefix_terms_are_highlighted_whole(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    bob = actor("bob")
    post = make_post(api, bob, "Mountains everywhere")
    [item] = search_items(api, "mount", "posts")
    assert item["id"] == post["id"]
    assert "<mark>" in item["highlight"]
    assert "mountains" in item["highlight"].lower()


def test_hashtag_and_user_items_have_the_highlight_field(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    carol = actor("carolyn")
    make_post(api, carol, "trail day #mtbike")
    users = search_items(api, "carolyn", "users")
    assert [u["username"] for u in users] == ["carolyn"]
    assert "highlight" in users[0]
    tags = search_items(api, "mtbike", "hashtags")
    assert [t["tag"] for t in tags] == ["mtbike"]
    assert "highlight" in tags[0]
