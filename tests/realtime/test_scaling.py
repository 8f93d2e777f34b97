"""Several servers sharing Redis: a frame published through one reaches clients of another."""

from __future__ import annotations

import time
import uuid

import httpx

from socialflow.testing.services import require_redis
from tests.realtime.clients import EventStream, open_socket, receive_until, subscribe, token_of
from tests.social.conftest import make_post


def test_publish_through_server_a_reaches_a_socket_on_server_b(serve, api, actor) -> None:
    shared = {"redis_url": require_redis(), "redis_namespace": f"rt-{uuid.uuid4().hex[:10]}"}
    server_a, server_b = serve(**shared), serve(**shared)
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, bob, "hello")
    with (
        httpx.Client(base_url=server_a, timeout=10) as http_a,
        open_socket(server_b, token_of(bob.headers)) as ws,
    ):
        subscribe(ws, f"user:{bob.id}")
        subscribe(ws, f"post:{post['id']}")
        started = time.monotonic()
        response = http_a.post(f"/api/v1/posts/{post['id']}/like", headers=alice.headers)
        assert response.status_code == 200
        note = receive_until(ws, lambda f: f["event"] == "notification", timeout=1)
        assert time.monotonic() - started < 1
        assert note["data"]["kind"] == "liked"
        counters = receive_until(ws, lambda f: f["event"] == "counters", timeout=1)
        assert counters["data"]["like_count"] == 1


def test_an_event_stream_resumes_on_another_server(serve, api, actor) -> None:
    shared = {"redis_url": require_redis(), "redis_namespace": f"rt-{uuid.uuid4().hex[:10]}"}
    server_a, server_b = serve(**shared), serve(**shared)
    alice, carol, bob = actor("alice"), actor("carol"), actor("bob")
    post = make_post(api, bob, "hello")
    timeout = httpx.Timeout(10, read=5)
    with httpx.Client(base_url=server_a, timeout=timeout) as http_a:
        with http_a.stream("GET", "/api/v1/events", headers=bob.headers) as response:
            assert response.status_code == 200
            assert http_a.post(f"/api/v1/posts/{post['id']}/like", headers=alice.headers).is_success
            first = EventStream(response).next()
        # Missed while away, written through server A.
        assert http_a.post(f"/api/v1/posts/{post['id']}/like", headers=carol.headers).is_success
    headers = {**bob.headers, "Last-Event-ID": first["id"]}
    with (
        httpx.Client(base_url=server_b, timeout=timeout) as http_b,
        http_b.stream("GET", "/api/v1/events", headers=headers) as response,
    ):
        _, missed = EventStream(response).next_frame()
    assert missed["data"]["actor"]["username"] == "carol"
