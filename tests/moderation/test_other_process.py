"""An action is effective at once in another API process, its caches included.

Several API processes share their cache generations through Redis (or
PostgreSQL), so this test gives both backends Redis: a second platform on the
same settings stands for the second process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.app import create_app
from socialflow.testing.server import run_server
from socialflow.testing.services import require_redis
from tests.moderation.conftest import Api, act, make_post
from tests.social.conftest import Actor, follow


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"redis_url": require_redis()}


def _ids(client: httpx.Client, path: str, who: Actor | None) -> list[int]:
    response = client.get(path, headers=who.headers if who else {})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_hide_and_remove_reach_another_process(
    api: Api, actor: Callable[..., Actor], mod: Actor, make_platform: Callable[..., Any]
) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, bob, alice)
    hidden = make_post(api, alice, "hide me")
    removed = make_post(api, alice, "remove me")
    from socialflow.feeds.generations import Generations

    other = make_platform()  # a second platform on the same database, cache and broker
    assert other.get(Generations).broadcast
    with run_server(create_app(platform=other)) as url, httpx.Client(base_url=url) as b:
        # Warm the other process's caches: the home feed, explore, the post pages.
        for pid in (hidden["id"], removed["id"]):
            assert pid in _ids(b, "/api/v1/feed/home", bob)
            assert pid in _ids(b, "/api/v1/feed/explore", None)
            assert b.get(f"/api/v1/posts/{pid}", headers=bob.headers).status_code == 200
        assert act(api, mod, "post", hidden["id"], "hide").status_code == 201
        assert act(api, mod, "post", removed["id"], "remove").status_code == 201
        for pid in (hidden["id"], removed["id"]):
            assert pid not in _ids(b, "/api/v1/feed/home", bob)
            assert pid not in _ids(b, "/api/v1/feed/explore", None)
            assert b.get(f"/api/v1/posts/{pid}", headers=bob.headers).status_code == 404
        suspended = act(api, mod, "profile", alice.id, "suspend", duration_hours=1)
        assert suspended.status_code == 201
        assert b.get("/api/v1/users/me", headers=alice.headers).status_code == 401
