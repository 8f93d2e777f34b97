"""The built-in ``sql`` search backend's ranking, highlights and fuzzy user search, on
the suite's database (SQLite FTS5, or PostgreSQL with SOCIALFLOW_TEST_BACKEND=services),
through real HTTP requests and the real index task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from socialflow.social.models import Post
from tests.social.conftest import Actor, make_post


def _search(api: Callable[..., httpx.Response], q: str, type_: str) -> list[dict[str, Any]]:
    response = api("GET", "/search", None, params={"q": q, "type": type_})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _postgres(platform: Any) -> bool:
    return bool(platform.provider("search").engine.dialect.name == "postgresql")


def test_post_hits_carry_an_escaped_highlight(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    alice = actor("alice")
    plain = make_post(api, alice, "Down the ridge at dawn, then coffee")
    hostile = make_post(api, alice, "<script>alert(1)</script> ridge & valley")
    make_post(api, alice, "Nothing to see here")

    items = {item["id"]: item for item in _search(api, "ridge", "posts")}
    assert set(items) == {plain["id"], hostile["id"]}
    assert "<mark>ridge</mark>" in items[plain["id"]]["highlight"].lower()
    shown = items[hostile["id"]]["highlight"]
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
    assert "&amp;" in shown
    assert "<mark>ridge</mark>" in shown.lower()


def test_prefix_terms_are_highlighted_whole(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    bob = actor("bob")
    post = make_post(api, bob, "Mountains everywhere")
    [item] = _search(api, "mount", "posts")
    assert item["id"] == post["id"]
    assert "<mark>" in item["highlight"]
    assert "mountains" in item["highlight"].lower()


def test_hashtag_and_user_items_have_the_highlight_field(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor]
) -> None:
    carol = actor("carolyn")
    make_post(api, carol, "trail day #mtbike")
    users = _search(api, "carolyn", "users")
    assert [u["username"] for u in users] == ["carolyn"]
    assert "highlight" in users[0]
    tags = _search(api, "mtbike", "hashtags")
    assert [t["tag"] for t in tags] == ["mtbike"]
    assert "highlight" in tags[0]


def test_engagement_and_recency_rank_equally_relevant_posts(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    if not _postgres(platform):
        pytest.skip("SQLite ranks by FTS5 bm25 then newest first (docs/operators.md)")
    dan = actor("dan")
    quiet = make_post(api, dan, "sunset over the lake")
    liked = make_post(api, dan, "sunset over the bay")
    newest = make_post(api, dan, "sunset over the sea")
    with platform.session() as session:
        session.execute(
            update(Post).where(Post.id == liked["id"]).values(like_count=500, comment_count=40)
        )
        session.commit()
    order = [item["id"] for item in _search(api, "sunset", "posts")]
    assert order[0] == liked["id"]  # engagement outweighs a few seconds of age
    assert order.index(newest["id"]) < order.index(quiet["id"])  # then the newer first


def test_fuzzy_user_search_finds_typos_on_postgres(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    if not _postgres(platform):
        pytest.skip("fuzzy user search needs PostgreSQL's pg_trgm")
    cassandra = actor("cassandra")
    named = api("PATCH", "/users/me", cassandra, json={"display_name": "Cassandra Nightingale"})
    assert named.status_code == 200, named.text
    actor("bartholomew")
    assert [u["username"] for u in _search(api, "cass", "users")] == ["cassandra"]
    assert [u["username"] for u in _search(api, "casandra", "users")] == ["cassandra"]
    assert [u["username"] for u in _search(api, "nightingail", "users")] == ["cassandra"]
