"""Subscriber-only chat: only the owner's live subscribers (payments app) may write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.live.conftest import Api, create_stream
from tests.live.test_chat import say
from tests.social.conftest import Actor


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"payments": "offline", "plugin": {"payments": {"pending_days": 0}}}


def test_only_subscribers_write_and_cancelling_ends_it(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice, fan, follower = actor("alice"), actor("fan"), actor("follower")
    assert api("POST", f"/users/{alice.name}/follow", follower).status_code == 200
    tier = api(
        "POST", "/payments/tiers", alice, json={"name": "Club", "price": 500, "currency": "usd"}
    )
    assert tier.status_code == 201, tier.text
    made = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier.json()["id"]})
    assert made.status_code == 201, made.text
    sid = create_stream(api, alice)["id"]

    switched = api(
        "PATCH", f"/live/streams/{sid}/chat/settings", alice, json={"subscribers_only": True}
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["subscribers_only"] is True
    say(api, fan, sid, "a subscriber speaks")
    refused = say(api, follower, sid, "a follower tries", 403)
    assert refused["type"].endswith("live-chat-subscribers-only")
    say(api, alice, sid, "the owner always may")
    # Only the owner changes the rules.
    other = api(
        "PATCH", f"/live/streams/{sid}/chat/settings", fan, json={"subscribers_only": False}
    )
    assert other.status_code == 404

    cancelled = api(
        "POST",
        f"/payments/subscriptions/{made.json()['id']}/cancel",
        fan,
        json={"at_period_end": False},
    )
    assert cancelled.status_code == 200, cancelled.text
    say(api, fan, sid, "no longer", 403)

    api("PATCH", f"/live/streams/{sid}/chat/settings", alice, json={"subscribers_only": False})
    say(api, follower, sid, "open again")
