"""Followers hear of a creator's lives through their inbox: scheduled (at creation) and
started (from the sync that sees the broadcast), written by a task in batches, once each,
never across a block and never to the creator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialflow.live import notices
from tests.live.conftest import Api, create_stream
from tests.social.conftest import Actor, follow


def inbox(api: Api, who: Actor, kind: str) -> list[dict[str, Any]]:
    response = api("GET", "/notifications", who, params={"kinds": kind})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_followers_hear_of_a_scheduled_live(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob, carol, dan = actor("alice"), actor("bob"), actor("carol"), actor("dan")
    follow(api, bob, alice)
    follow(api, carol, alice)
    assert api("POST", f"/users/{carol.name}/block", alice).status_code in (200, 201, 204)
    at = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    stream = create_stream(api, alice, title="Weekly Q&A", scheduled_at=at.isoformat())
    (told,) = inbox(api, bob, "live_scheduled")
    assert told["actor"]["username"] == "alice"
    assert told["text"] == f"alice scheduled a live on {at:%Y-%m-%d at %H:%M} UTC: Weekly Q&A"
    assert told["data"] == {"stream_id": stream["id"], "broadcast_id": None}
    assert inbox(api, carol, "live_scheduled") == []  # blocked
    assert inbox(api, dan, "live_scheduled") == []  # not a follower
    assert inbox(api, alice, "live_scheduled") == []


def test_a_started_live_reaches_every_follower_once_in_batches(
    api: Api, actor: Callable[..., Actor], platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "BATCH", 2)
    alice = actor("alice")
    fans = [actor(f"fan{i}") for i in range(5)]
    for fan in fans:
        follow(api, fan, alice)
    stream = create_stream(api, alice, title="Now")
    assert notices.notify_followers(platform, "live_started", stream["id"], 41) == 5
    assert notices.notify_followers(platform, "live_started", stream["id"], 41) == 0  # rerun
    for fan in fans:
        (told,) = inbox(api, fan, "live_started")
        assert told["text"] == "alice is live: Now"
        assert told["data"] == {"stream_id": stream["id"], "broadcast_id": 41}
    assert notices.notify_followers(platform, "live_started", 10**9, None) == 0  # gone
