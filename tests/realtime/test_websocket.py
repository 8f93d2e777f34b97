"""The WebSocket hub against a real uvicorn server and the ``websockets`` client."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from socialflow.accounts.tokens import issue_access_token
from socialflow.realtime.brokers import Broker
from socialflow.realtime.settings import realtime_settings
from socialflow.testing.waiting import wait_until
from tests.realtime.clients import (
    close_code,
    open_socket,
    receive_until,
    subscribe,
    token_of,
)
from tests.realtime.conftest import ALLOWED_ORIGIN
from tests.social.conftest import make_post


def test_a_like_reaches_the_authors_socket_within_a_second(live_server, api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, bob, "watch this")
    with open_socket(live_server, token_of(bob.headers)) as ws:
        subscribe(ws, f"user:{bob.id}")
        subscribe(ws, f"post:{post['id']}")
        started = time.monotonic()
        assert api("POST", f"/posts/{post['id']}/like", alice).status_code == 200
        note = receive_until(ws, lambda f: f["event"] == "notification", timeout=1)
        assert time.monotonic() - started < 1
        assert note["topic"] == f"user:{bob.id}"
        assert note["id"]
        assert note["data"]["kind"] == "liked"
        assert note["data"]["actor"] == {
            "id": alice.id,
            "username": "alice",
            "display_name": alice.user.display_name,
        }
        assert note["data"]["post_id"] == post["id"]
        counters = receive_until(ws, lambda f: f["event"] == "counters", timeout=1)
        assert counters == {
            "topic": f"post:{post['id']}",
            "event": "counters",
            "data": {"post_id": post["id"], "like_count": 1, "comment_count": 0, "share_count": 0},
            "id": None,
        }


def test_token_in_the_query_for_browsers(live_server, actor) -> None:
    bob = actor("bob")
    with open_socket(live_server, token_of(bob.headers), in_query=True) as ws:
        subscribe(ws, f"user:{bob.id}")


def test_another_users_stream_closes_4403(live_server, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    with open_socket(live_server, token_of(alice.headers)) as ws:
        ws.send(json.dumps({"op": "subscribe", "topic": f"user:{bob.id}"}))
        assert close_code(ws) == 4403


def test_a_post_the_caller_may_not_see_closes_4403_like_a_missing_one(
    live_server, api, actor
) -> None:
    alice, bob = actor("alice"), actor("bob")
    hidden = make_post(api, bob, "only me", visibility="private")
    for topic in (f"post:{hidden['id']}", "post:999999"):
        with open_socket(live_server, token_of(alice.headers)) as ws:
            ws.send(json.dumps({"op": "subscribe", "topic": topic}))
            assert close_code(ws) == 4403
    with open_socket(live_server, token_of(bob.headers)) as ws:  # the author may
        subscribe(ws, f"post:{hidden['id']}")


def test_a_topic_whose_post_the_caller_may_no_longer_see_is_revoked(
    live_server, api, actor
) -> None:
    """Visibility narrowed, a block, an app's ``access_changed``: the topic stops, the
    socket stays."""
    alice, bob = actor("alice"), actor("bob")
    assert api("POST", f"/users/{bob.name}/follow", alice).status_code == 200
    narrowed = make_post(api, bob, "for followers", visibility="followers")
    kept = make_post(api, bob, "for everyone")
    with open_socket(live_server, token_of(alice.headers)) as ws:
        subscribe(ws, f"post:{narrowed['id']}")
        subscribe(ws, f"post:{kept['id']}")
        edited = api("PATCH", f"/posts/{narrowed['id']}", bob, json={"visibility": "private"})
        assert edited.status_code == 200
        revoked = receive_until(ws, lambda f: f["event"] == "revoked", timeout=2)
        assert revoked["topic"] == f"post:{narrowed['id']}"
        # The other topic still delivers; the revoked one is silent.
        api("POST", f"/posts/{narrowed['id']}/like", bob)
        api("POST", f"/posts/{kept['id']}/like", bob)
        counters = receive_until(ws, lambda f: f["event"] == "counters", timeout=2)
        assert counters["topic"] == f"post:{kept['id']}"
        assert api("POST", f"/users/{alice.name}/block", bob).status_code == 200
        revoked = receive_until(ws, lambda f: f["event"] == "revoked", timeout=2)
        assert revoked["topic"] == f"post:{kept['id']}"
        ws.send(json.dumps({"op": "ping"}))
        assert receive_until(ws, lambda f: f["event"] == "pong", timeout=2)


def test_no_token_or_a_bad_one_closes_4401(live_server) -> None:
    for token in (None, "not-a-jwt"):
        with open_socket(live_server, token) as ws:
            assert close_code(ws) == 4401


def test_an_oversized_frame_closes_1009(live_server, actor, platform) -> None:
    bob = actor("bob")
    limit = realtime_settings(platform).max_message_bytes
    with open_socket(live_server, token_of(bob.headers)) as ws:
        ws.send(json.dumps({"op": "ping", "pad": "x" * limit}))
        assert close_code(ws) == 1009


def test_malformed_frames_and_unknown_ops(live_server, actor) -> None:
    bob = actor("bob")
    cases: list[tuple[Any, int]] = [
        ("not json", 1007),
        (b"\x00binary", 1003),
        (json.dumps({"op": "dance"}), 4400),
        (json.dumps({"op": "subscribe", "topic": "everything"}), 4400),
    ]
    for payload, code in cases:
        with open_socket(live_server, token_of(bob.headers)) as ws:
            ws.send(payload)
            assert close_code(ws) == code, payload


def test_too_many_frames_closes_1008(serve, actor, platform) -> None:
    bob = actor("bob")
    burst = realtime_settings(platform).message_burst
    # A send queue roomy enough for every answer: the rate limit, not the queue, ends it.
    server = serve(plugin={"realtime": {"send_queue_frames": 1000}})
    with open_socket(server, token_of(bob.headers)) as ws:
        for _ in range(burst * 3):
            ws.send(json.dumps({"op": "ping"}))
        assert close_code(ws) == 1008


def test_cross_origin_handshake_refused(live_server, actor) -> None:
    bob = actor("bob")
    with pytest.raises(InvalidStatus) as refused:
        open_socket(live_server, token_of(bob.headers), origin="http://evil.example")
    assert refused.value.response.status_code == 403
    # The origins the settings allow, and the API's own, are let in.
    for origin in (ALLOWED_ORIGIN, live_server):
        with open_socket(live_server, token_of(bob.headers), origin=origin) as ws:
            subscribe(ws, f"user:{bob.id}")


def test_an_expired_access_token_closes_4401(live_server, actor, platform) -> None:
    bob = actor("bob")
    token = issue_access_token(
        platform.settings,
        user_id=bob.id,
        token_version=bob.user.token_version,
        ttl=timedelta(seconds=2),
    )
    with open_socket(live_server, token) as ws:
        subscribe(ws, f"user:{bob.id}")
        started = time.monotonic()
        assert close_code(ws, timeout=10) == 4401
        assert time.monotonic() - started < 4


def test_a_fresh_token_keeps_the_connection_open(live_server, actor, platform) -> None:
    bob = actor("bob")
    short = issue_access_token(
        platform.settings,
        user_id=bob.id,
        token_version=bob.user.token_version,
        ttl=timedelta(seconds=2),
    )
    with open_socket(live_server, short) as ws:
        ws.send(json.dumps({"op": "auth", "token": token_of(bob.headers)}))
        receive_until(ws, lambda f: f["event"] == "authenticated")
        expired_at = time.monotonic() + 3
        # Past the first token's expiry (and its 4401), on a connection still answering.
        wait_until(lambda: time.monotonic() > expired_at, timeout=5, what="the old expiry")
        ws.send(json.dumps({"op": "ping"}))
        assert receive_until(ws, lambda f: f["event"] == "pong")["topic"] is None


def test_a_token_for_someone_else_cannot_take_over(live_server, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    with open_socket(live_server, token_of(bob.headers)) as ws:
        ws.send(json.dumps({"op": "auth", "token": token_of(alice.headers)}))
        assert close_code(ws) == 4401


def test_a_slow_consumer_is_dropped_and_its_queue_stays_bounded(
    live_server, api, actor, platform
) -> None:
    bob = actor("bob")
    post = make_post(api, bob, "popular")
    topic = f"post:{post['id']}"
    broker = platform.get(Broker)
    bound = realtime_settings(platform).send_queue_frames
    # A client that stops reading: its own receive buffer is small, so TCP pushes back.
    with open_socket(live_server, token_of(bob.headers), max_queue=1) as ws:
        subscribe(ws, topic)
        (sink,) = broker.hub._topics[topic]
        pad = "x" * 64_000
        sent = broker.hub.delivered
        for _ in range(50):  # up to 160 MB, in steps that never outrun Redis' listener
            for n in range(50):
                broker.publish(topic, "counters", {"n": n, "pad": pad})
            sent += 50
            wait_until(
                lambda: sink.closed or broker.hub.delivered >= sent,  # noqa: B023
                timeout=10,
                what="the frames delivered",
            )
            if sink.closed:
                break
        assert sink.closed, (
            "the slow client was never dropped",
            sink.high_water,
            sink.queue.qsize(),
            broker.hub.delivered,
            sent,
        )
        assert sink.high_water <= bound
        wait_until(lambda: not broker.hub.follows(topic), timeout=10, what="the drop")
        assert close_code(ws, timeout=30) == 1013
    # The server still serves everyone else.
    with open_socket(live_server, token_of(bob.headers)) as ws:
        subscribe(ws, topic)


def test_which_events_make_connections_check_access_again() -> None:
    from socialflow.plugins.specs import Event
    from socialflow.realtime.publishing import access_rechecks

    events = [
        Event(name="post_edited", payload={"post_id": 3, "text": True}),
        Event(name="post_edited", payload={"post_id": 4, "visibility": "private"}),
        Event(name="post_deleted", payload={"post_id": 5}),
        Event(name="blocked", payload={"blocker_id": 1, "blocked_id": 2}),
        Event(name="access_changed", payload={"user_ids": [9]}),
        Event(name="liked", payload={"post_id": 6}),
    ]
    assert access_rechecks(events) == [
        "access:1",
        "access:2",
        "access:9",
        "post:4",
        "post:5",
    ]
