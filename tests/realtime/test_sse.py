"""The caller's stream as Server-Sent Events, read with httpx streaming from uvicorn."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from socialflow.realtime.settings import realtime_settings
from tests.realtime.clients import EventStream, token_of
from tests.social.conftest import Actor, make_post


@contextmanager
def stream(
    live_server: str, who: Actor, last_event_id: str | None = None, *, in_query: bool = False
) -> Iterator[EventStream]:
    headers = {} if in_query else dict(who.headers)
    params = {"token": token_of(who.headers)} if in_query else {}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    timeout = httpx.Timeout(10, read=5)
    with (
        httpx.Client(base_url=live_server, timeout=timeout) as http,
        http.stream("GET", "/api/v1/events", headers=headers, params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)


def test_a_like_arrives_as_an_event(live_server, api, actor) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, bob, "hello")
    with stream(live_server, bob) as events:
        started = time.monotonic()
        assert api("POST", f"/posts/{post['id']}/like", alice).status_code == 200
        event, frame = events.next_frame()
        assert time.monotonic() - started < 1
    assert event["event"] == "notification"
    assert event["id"] == frame["id"]
    assert frame["topic"] == f"user:{bob.id}"
    assert frame["data"]["kind"] == "liked"
    assert frame["data"]["actor"]["username"] == "alice"


def test_resuming_with_last_event_id_misses_nothing(live_server, api, actor) -> None:
    alice, carol, dave, bob = actor("alice"), actor("carol"), actor("dave"), actor("bob")
    post = make_post(api, bob, "hello")
    with stream(live_server, bob) as events:
        assert api("POST", f"/posts/{post['id']}/like", alice).status_code == 200
        first, _ = events.next_frame()
    # Disconnected: these happen while nobody listens.
    assert api("POST", f"/posts/{post['id']}/like", carol).status_code == 200
    response = api("POST", f"/posts/{post['id']}/comments", dave, json={"text": "nice"})
    assert response.status_code == 201
    with stream(live_server, bob, first["id"], in_query=True) as events:
        missed = [events.next_frame()[1] for _ in range(2)]
        assert [(f["data"]["kind"], f["data"]["actor"]["username"]) for f in missed] == [
            ("liked", "carol"),
            ("commented", "dave"),
        ]
        # Then live again, each frame once.
        assert api("POST", f"/posts/{post['id']}/share", alice).status_code in (200, 201)
        _, live = events.next_frame()
        assert (live["data"]["kind"], live["data"]["actor"]["username"]) == ("shared", "alice")
    ids = [first["id"], *(f["id"] for f in missed), live["id"]]
    assert len(set(ids)) == 4


def test_a_lost_stretch_is_announced(live_server, api, actor, platform) -> None:
    alice, bob = actor("alice"), actor("bob")
    post = make_post(api, bob, "hello")
    with stream(live_server, bob) as events:
        assert api("POST", f"/posts/{post['id']}/like", alice).status_code == 200
        first, _ = events.next_frame()
    keep = realtime_settings(platform).replay_entries
    # Far more frames than the log keeps (Redis trims ``MAXLEN ~`` in whole nodes), while
    # away; published directly, as any producer may.
    from socialflow.realtime.brokers import Broker

    broker = platform.get(Broker)
    for n in range(keep * 3):
        broker.publish(f"user:{bob.id}", "test", {"n": n})
    with stream(live_server, bob, first["id"]) as events:
        notice = events.next()
        assert notice["event"] == "replay_truncated"
        _, oldest = events.next_frame()
        assert oldest["event"] == "test"
        assert oldest["data"]["n"] >= keep


def test_anonymous_and_bad_ids_are_refused(live_server, actor) -> None:
    bob = actor("bob")
    with httpx.Client(base_url=live_server, timeout=10) as http:
        response = http.get("/api/v1/events")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        response = http.get("/api/v1/events", headers={**bob.headers, "Last-Event-ID": "yesterday"})
        assert response.status_code == 422
        assert json.loads(response.text)["status"] == 422
