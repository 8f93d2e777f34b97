"""PostgreSQL's ranking of posts (relevance, engagement, recency) and fuzzy user search
(pg_trgm), through real HTTP requests and the real index task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import update

from socialflow.social.models import Post
from tests.search.conftest import search_items
from tests.social.conftest import Actor, make_post


def test_engagement_and_recency_rank_equally_relevant_posts(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    dan = actor("dan")
    quiet = make_post(api, dan, "sunset over the lake")
    liked = make_post(api, dan, "sunset over the bay")
    newest = make_post(api, dan, "sunset over the sea")
    with platform.session() as session:
        session.execute(
            update(Post).where(Post.id == liked["id"]).values(like_count=500, comment_count=40)
        )
        session.commit()
    order = [item["id"] for item in search_items(api, "sunset", "posts")]
    assert order[0] == liked["id"]  # engagement outweighs a few seconds of age
    assert order.index(newest["id"]) < order.index(quiet["id"])  # then the newer first


def test_fuzzy_user_search_finds_typos_on_postgres(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    cassandra = actor("cassandra")
    named = api("PATCH", "/users/me", cassandra, json={"display_name": "Cassandra Nightingale"})
    assert named.status_code == 200, named.text
    actor("bartholomew")
    assert [u["username"] for u in search_items(api, "cass", "users")] == ["cassandra"]
    assert [u["username"] for u in search_items(api, "casandra", "users")] == ["cassandra"]
    assert [u["username"] for u in search_items(api, "nightingail", "users")] == ["cassandra"]
