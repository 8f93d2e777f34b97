"""Every social action fires the event hook after commit, with plain-id payloads."""

from __future__ import annotations

import json

import pytest

from tests.social import event_recorder
from tests.social.conftest import follow, make_post


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"plugin_modules": ["tests.social.event_recorder"]}


def test_every_domain_action_fires_an_event(api, actor) -> None:
    event_recorder.EVENTS.clear()
    alice, bob, carol = actor("alice"), actor("bob"), actor("carol", is_private=True)
    follow(api, bob, alice)
    follow(api, alice, carol)
    api("POST", f"/users/me/follow-requests/{alice.name}/approve", carol)
    follow(api, bob, carol)
    api("POST", f"/users/me/follow-requests/{bob.name}/reject", carol)
    post = make_post(api, alice, "hi @bob #events")
    api("PATCH", f"/posts/{post['id']}", alice, json={"text": "edited"})
    api("POST", f"/posts/{post['id']}/like", bob)
    api("DELETE", f"/posts/{post['id']}/like", bob)
    comment = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": "nice"}).json()
    api("DELETE", f"/comments/{comment['id']}", bob)
    api("POST", f"/posts/{post['id']}/share", bob)
    api("DELETE", f"/posts/{post['id']}/share", bob)
    api("POST", f"/posts/{post['id']}/bookmark", bob)
    api("DELETE", f"/users/{alice.name}/follow", bob)
    api("POST", f"/users/{alice.name}/mute", bob)
    api("DELETE", f"/users/{alice.name}/mute", bob)
    api("POST", f"/users/{alice.name}/block", bob)
    api("DELETE", f"/users/{alice.name}/block", bob)
    api("DELETE", f"/posts/{post['id']}", alice)
    names = [e.name for e in event_recorder.EVENTS]
    for expected in (
        "followed",
        "follow_requested",
        "follow_approved",
        "follow_rejected",
        "post_created",
        "mentioned",
        "post_edited",
        "liked",
        "unliked",
        "commented",
        "comment_deleted",
        "shared",
        "unshared",
        "bookmarked",
        "unfollowed",
        "muted",
        "unmuted",
        "blocked",
        "unblocked",
        "post_deleted",
    ):
        assert expected in names, f"no {expected} event in {names}"
    created = next(e for e in event_recorder.EVENTS if e.name == "post_created")
    assert created.payload["post_id"] == post["id"]
    assert created.payload["hashtags"] == ["events"]
    json.dumps([e.payload for e in event_recorder.EVENTS])  # plain JSON-able values only


def test_a_rejected_post_fires_nothing(api, actor) -> None:
    event_recorder.EVENTS.clear()
    alice = actor("alice")
    assert api("POST", "/posts", alice, json={"text": "x" * 600}).status_code == 422
    assert [e.name for e in event_recorder.EVENTS] == []
