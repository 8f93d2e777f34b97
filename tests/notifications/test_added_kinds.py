"""Kinds an app adds (``socialflow_notification_kinds``) go through the inbox's rules:
written from the app's events in their transaction, once per dedup key, never to
the actor or across a block, listed with their text and data, filterable, in the
preferences; ``notify()`` writes them from a task; unknown kinds are refused."""

from __future__ import annotations

from typing import Any

import pytest

from socialflow.core.effects import record_event
from socialflow.notifications.inbox import notify
from socialflow.plugins.notification_kinds import NotificationKind, NotificationRequest
from tests.notifications.conftest import notes, ok


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin_modules": ["tests.notifications.kind_plugin"]}


def award(platform: Any, user_id: int, badge: str, giver_id: int | None = None) -> None:
    with platform.session() as session:
        record_event(session, "badge", user_id=user_id, badge=badge, giver_id=giver_id)
        session.commit()


def test_an_event_of_the_app_notifies_once(api, actor, platform) -> None:
    ana, bob = actor("ana"), actor("bob")
    award(platform, ana.id, "pioneer", giver_id=bob.id)
    award(platform, ana.id, "pioneer", giver_id=bob.id)  # redelivered: same dedup key
    award(platform, ana.id, "founder")  # from the platform itself
    items = notes(api, ana)
    assert [(n["kind"], n["text"]) for n in items] == [
        ("badge_awarded", "You were awarded the founder badge"),
        ("badge_awarded", "You were awarded the pioneer badge"),
    ]
    assert items[0]["actor"] is None
    assert items[1]["actor"]["username"] == "bob"
    assert items[1]["data"] == {"badge": "pioneer"}
    assert notes(api, bob) == []
    only = api("GET", "/notifications", ana, params={"kinds": "badge_awarded,liked"})
    assert len(ok(only)["items"]) == 2
    assert api("GET", "/notifications/unread_count", ana).json()["count"] == 2
    unknown = api("GET", "/notifications", ana, params={"kinds": "badge_lost"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_the_inbox_rules_hold_for_added_kinds(api, actor, platform) -> None:
    ana, bob = actor("ana"), actor("bob")
    award(platform, bob.id, "self", giver_id=bob.id)  # never to the actor
    assert notes(api, bob) == []
    ok(api("POST", f"/users/{bob.name}/block", ana))
    award(platform, ana.id, "blocked", giver_id=bob.id)  # never across a block
    award(platform, bob.id, "blocked-back", giver_id=ana.id)
    assert notes(api, ana) == []
    assert notes(api, bob) == []


def test_preferences_know_added_kinds(api, actor) -> None:
    ana = actor("ana")
    kinds = ok(api("GET", "/notifications/preferences", ana))["kinds"]
    assert kinds["badge_awarded"] == {
        "in_app": True,
        "realtime": True,
        "email": False,
        "push": True,
    }
    change = {"kinds": {"badge_awarded": {"email": True}}}
    assert ok(api("PATCH", "/notifications/preferences", ana, json=change))["kinds"][
        "badge_awarded"
    ]["email"]
    wrong = api("PATCH", "/notifications/preferences", ana, json={"kinds": {"nope": {"email": 1}}})
    assert wrong.status_code == 422


def test_notify_writes_from_a_task_in_batches(api, actor, platform) -> None:
    ana, bob, cy = actor("ana"), actor("bob"), actor("cyd")
    requests = [
        NotificationRequest(recipient_id=u.id, actor_id=ana.id, dedup_key="badge:batch", text="t")
        for u in (ana, bob, cy)
    ]
    with platform.session() as session:
        assert notify(session, "badge_awarded", requests) == 2  # not to the actor herself
        session.commit()
    assert [n["kind"] for n in notes(api, bob)] == ["badge_awarded"]
    with platform.session() as session, pytest.raises(ValueError, match="not added"):
        notify(session, "no_such_kind", requests)


def test_kind_names_are_checked() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        NotificationKind("Bad Name", "x", frozenset(), lambda s, e: [])
