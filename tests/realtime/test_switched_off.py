"""The realtime app is optional: switched off, its endpoints are gone and actions still work."""

from __future__ import annotations

import httpx

from tests.social.conftest import make_post


def test_switched_off_the_endpoints_are_gone_and_likes_still_work(serve, api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, bob, "hello")
    server = serve(disabled_apps=["realtime"])
    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.get("/api/v1/events", headers=bob.headers).status_code == 404
        response = http.post(f"/api/v1/posts/{post['id']}/like", headers=alice.headers)
        assert response.status_code == 200
        notes = http.get("/api/v1/notifications", headers=bob.headers).json()["items"]
        assert [n["kind"] for n in notes] == ["liked"]
