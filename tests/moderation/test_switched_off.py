"""``disabled_apps = ["moderation"]``: no moderation route, task or audience; the rest works,
and content a moderator hid stays hidden (an unknown audience fails closed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from socialflow.app import create_app
from socialflow.testing.server import run_server
from tests.moderation.conftest import Api, act, make_post


def test_switched_off(
    make_platform: Callable[..., Any],
    api: Api,
    actor: Callable[..., Any],
    mod: Any,
) -> None:
    alice, bob = actor("alice"), actor("bob")
    hidden = make_post(api, alice, "hidden by a moderator")
    assert act(api, mod, "post", hidden["id"], "hide").status_code == 201

    off = make_platform(disabled_apps=["moderation", "ads"])  # ads reviews through moderation
    assert "moderation" not in off.plugins.app_names()
    assert "moderated" not in off.plugins.audiences().by_name
    assert "moderation-expire-suspensions" not in off.celery.conf.beat_schedule
    with run_server(create_app(platform=off)) as url, httpx.Client(base_url=url) as client:
        v1 = f"{url}/api/v1"
        paths = client.get("/openapi.json").json()["paths"]
        moderation_paths = [p for p in paths if p.startswith(("/api/v1/admin", "/api/v1/reports"))]
        assert moderation_paths == ["/api/v1/admin/stats"]  # the analytics app's
        body = {"target_type": "post", "target_id": str(hidden["id"]), "reason": "spam"}
        assert client.post(f"{v1}/reports", json=body, headers=bob.headers).status_code == 404
        assert client.get(f"{v1}/admin/reports", headers=mod.headers).status_code == 404
        # Everything else works: posting, reading, feeds.
        created = client.post(
            f"{v1}/posts", json={"text": "still here", "visibility": "public"}, headers=bob.headers
        )
        assert created.status_code == 201, created.text
        assert client.get(f"{v1}/posts/{created.json()['id']}").status_code == 200
        assert client.get(f"{v1}/feed/explore").status_code == 200
        refused = client.post(
            f"{v1}/posts", json={"text": "x", "visibility": "moderated"}, headers=bob.headers
        )
        assert refused.status_code == 422
        # Fail closed: the hidden post stays for its author alone.
        assert client.get(f"{v1}/posts/{hidden['id']}", headers=bob.headers).status_code == 404
        assert client.get(f"{v1}/posts/{hidden['id']}", headers=alice.headers).status_code == 200
