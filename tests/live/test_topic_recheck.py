"""``live:<id>`` over a real WebSocket: viewers who lose access to a stream (made
subscriber-only, banned from its chat for good, the stream deleted) get ``revoked``
for its topic and stop receiving it; those who keep access keep it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.live.conftest import Api, create_stream
from tests.live.test_chat import say
from tests.realtime.clients import open_socket, receive_until, subscribe, token_of
from tests.social.conftest import Actor


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"payments": "offline", "plugin": {"payments": {"pending_days": 0}}}


def revoked(ws: ClientConnection, topic: str) -> None:
    frame = receive_until(ws, lambda f: f["event"] == "revoked", timeout=5)
    assert frame["topic"] == topic


def silent_on(ws: ClientConnection, topic: str, seconds: float = 1.0) -> None:
    """No frame of ``topic`` arrives for ``seconds`` (the socket itself stays open)."""
    try:
        frame = receive_until(ws, lambda f: f.get("topic") == topic, timeout=seconds)
    except TimeoutError:
        return
    except ConnectionClosed:  # pragma: no cover - a closed socket is a failure too
        raise
    raise AssertionError(f"unexpected frame after revocation: {frame}")


def subscribe_to(api: Api, fan: Actor, owner: Actor) -> dict[str, Any]:
    tier = api(
        "POST", "/payments/tiers", owner, json={"name": "Club", "price": 500, "currency": "usd"}
    )
    assert tier.status_code == 201, tier.text
    made = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier.json()["id"]})
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_viewers_who_lose_access_are_revoked(
    api: Api, actor: Callable[..., Actor], live_server: str
) -> None:
    alice, fan, bob, mallory = actor("alice"), actor("fan"), actor("bob"), actor("mallory")
    subscription = subscribe_to(api, fan, alice)
    sid = create_stream(api, alice)["id"]
    topic = f"live:{sid}"
    with (
        open_socket(live_server, token_of(fan.headers)) as fan_ws,
        open_socket(live_server, token_of(bob.headers)) as bob_ws,
    ):
        subscribe(fan_ws, topic)
        subscribe(bob_ws, topic)

        # Others cannot narrow the stream; unknown audiences are refused.
        assert (
            api("PUT", f"/live/streams/{sid}/visibility", mallory, json={"visibility": "public"})
        ).status_code == 404
        bad = api("PUT", f"/live/streams/{sid}/visibility", alice, json={"visibility": "vips"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")

        made = api(
            "PUT", f"/live/streams/{sid}/visibility", alice, json={"visibility": "subscribers"}
        )
        assert made.status_code == 200, made.text
        assert made.json() == {"stream_id": sid, "visibility": "subscribers"}
        revoked(bob_ws, topic)
        said = say(api, alice, sid, "for subscribers")
        frame = receive_until(fan_ws, lambda f: f["event"] == "chat", timeout=5)
        assert frame["data"]["id"] == said["id"]
        silent_on(bob_ws, topic)
        assert api("GET", f"/live/streams/{sid}", bob).status_code == 404
        assert api("GET", f"/live/streams/{sid}/chat", bob).status_code == 404
        assert api("GET", f"/live/streams/{sid}", fan).status_code == 200
        # Subscribing again is refused outright (4403) for bob.

        # A timeout keeps the fan watching; a ban for good does not.
        timeout = api(
            "POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": fan.id, "seconds": 60}
        )
        assert timeout.status_code == 200
        say(api, alice, sid, "still here?")
        assert receive_until(fan_ws, lambda f: f["event"] == "chat", timeout=5)["topic"] == topic
        banned = api("POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": fan.id})
        assert banned.status_code == 200
        revoked(fan_ws, topic)
        say(api, alice, sid, "gone")
        silent_on(fan_ws, topic)

    # Lapsed subscriptions (the payments app's access_changed) and deletion.
    api("DELETE", f"/live/streams/{sid}/chat/bans/{fan.id}", alice)
    other = create_stream(api, alice)["id"]
    assert (
        api("PUT", f"/live/streams/{other}/visibility", alice, json={"visibility": "subscribers"})
    ).status_code == 200
    with (
        open_socket(live_server, token_of(fan.headers)) as fan_ws,
        open_socket(live_server, token_of(bob.headers)) as bob_ws,
    ):
        subscribe(fan_ws, f"live:{sid}")
        subscribe(fan_ws, f"live:{other}")
        cancelled = api(
            "POST",
            f"/payments/subscriptions/{subscription['id']}/cancel",
            fan,
            json={"at_period_end": False},
        )
        assert cancelled.status_code == 200, cancelled.text
        first = receive_until(fan_ws, lambda f: f["event"] == "revoked", timeout=5)
        second = receive_until(fan_ws, lambda f: f["event"] == "revoked", timeout=5)
        assert {first["topic"], second["topic"]} == {f"live:{sid}", f"live:{other}"}

        public = create_stream(api, alice)["id"]
        subscribe(bob_ws, f"live:{public}")
        assert api("DELETE", f"/live/streams/{public}", mallory).status_code == 404
        assert api("DELETE", f"/live/streams/{public}", alice).status_code == 204
        revoked(bob_ws, f"live:{public}")
        assert api("GET", f"/live/streams/{public}", alice).status_code == 404
        assert api("DELETE", f"/live/streams/{public}", alice).status_code == 404
