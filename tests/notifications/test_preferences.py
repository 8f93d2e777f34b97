"""Preferences: defaults, changes, validation, in-app and realtime switches, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialflow.notifications.delivery_models import NotificationUserSettings
from socialflow.notifications.inbox import take_written
from socialflow.notifications.preferences import quiet_until
from tests.notifications.conftest import kinds_of, ok
from tests.social.conftest import follow, make_post

PATH = "/notifications/preferences"


def test_defaults(api, actor) -> None:
    body = ok(api("GET", PATH, actor("ana")))
    assert body["kinds"]["liked"] == {
        "in_app": True,
        "realtime": True,
        "email": False,
        "push": True,
    }
    assert body["kinds"]["mentioned"]["email"] is True
    assert body["timezone"] == "UTC"
    assert body["quiet_hours"] is None
    assert body["email_digest"] == "off"


def test_change_and_read_back(api, actor) -> None:
    ana = actor("ana")
    patch = {
        "kinds": {"liked": {"push": False, "email": True}},
        "timezone": "Europe/Lisbon",
        "quiet_hours": {"start": "22:00", "end": "07:30"},
        "email_digest": "daily",
    }
    body = ok(api("PATCH", PATH, ana, json=patch))
    assert body["kinds"]["liked"] == {
        "in_app": True,
        "realtime": True,
        "email": True,
        "push": False,
    }
    assert body["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert ok(api("GET", PATH, ana)) == body
    # Changing it again updates the same rows; null clears quiet hours.
    body = ok(
        api("PATCH", PATH, ana, json={"kinds": {"liked": {"push": True}}, "quiet_hours": None})
    )
    assert body["kinds"]["liked"]["push"] is True
    assert body["quiet_hours"] is None
    assert body["timezone"] == "Europe/Lisbon"
    # Someone else's are untouched.
    assert ok(api("GET", PATH, actor("bob")))["kinds"]["liked"]["push"] is True


@pytest.mark.parametrize(
    "patch",
    [
        {"kinds": {"exploded": {"push": False}}},
        {"kinds": {"liked": {"pigeon": False}}},
        {"timezone": "Mars/Olympus"},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"email_digest": "hourly"},
        {"role": "admin"},
    ],
)
def test_invalid_changes_are_422(api, actor, patch) -> None:
    response = api("PATCH", PATH, actor("ana"), json=patch)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_needs_login(api) -> None:
    assert api("GET", PATH).status_code == 401


def test_in_app_off_hides_that_kind_from_the_inbox(api, actor) -> None:
    ana, bob = actor("ana"), actor("bob")
    follow(api, bob, ana)
    post = make_post(api, ana, "hello")
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    assert kinds_of(api, ana) == [("liked", "bob"), ("followed", "bob")]
    ok(api("PATCH", PATH, ana, json={"kinds": {"liked": {"in_app": False}}}))
    assert kinds_of(api, ana) == [("followed", "bob")]
    ok(api("PATCH", PATH, ana, json={"kinds": {"liked": {"in_app": True}}}))
    assert kinds_of(api, ana) == [("liked", "bob"), ("followed", "bob")]


def test_realtime_off_keeps_it_from_open_connections(api, actor, platform) -> None:
    """What the realtime app publishes after a commit honours the realtime switch."""
    from socialflow.core.effects import record_event

    ana, bob = actor("ana"), actor("bob")
    ok(api("PATCH", PATH, ana, json={"kinds": {"followed": {"realtime": False}}}))
    for follower, expected in ((bob, []), (actor("cyd"), ["followed"])):
        if expected:
            ok(api("PATCH", PATH, ana, json={"kinds": {"followed": {"realtime": True}}}))
        with platform.session() as session:
            record_event(session, "followed", follower_id=follower.id, followee_id=ana.id)
            from socialflow.notifications.inbox import project_pending_events

            project_pending_events(session)
            assert [w.candidate.kind.value for w in take_written(session)] == expected
            session.rollback()


def _settings(start: str, end: str, zone: str) -> NotificationUserSettings:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return NotificationUserSettings(
        user_id=1, timezone=zone, quiet_start=h1 * 60 + m1, quiet_end=h2 * 60 + m2
    )


def test_quiet_hours_in_the_users_time_zone() -> None:
    night = _settings("22:00", "07:00", "America/New_York")
    # 03:00 UTC = 22:00 in New York (EST, UTC-5): quiet until 07:00 local = 12:00 UTC.
    assert quiet_until(night, datetime(2026, 12, 8, 3, 0, tzinfo=UTC)) == datetime(
        2026, 12, 8, 12, 0, tzinfo=UTC
    )
    # 11:59 UTC = 06:59 local: still quiet, same end.
    assert quiet_until(night, datetime(2026, 12, 8, 11, 59, tzinfo=UTC)) == datetime(
        2026, 12, 8, 12, 0, tzinfo=UTC
    )
    # 12:00 UTC = 07:00 local: awake.
    assert quiet_until(night, datetime(2026, 12, 8, 12, 0, tzinfo=UTC)) is None
    # 02:59 UTC = 21:59 local: not yet.
    assert quiet_until(night, datetime(2026, 12, 8, 2, 59, tzinfo=UTC)) is None
    # A daytime window that does not wrap.
    lunch = _settings("12:00", "13:00", "Asia/Tokyo")  # UTC+9
    assert quiet_until(lunch, datetime(2026, 12, 8, 3, 30, tzinfo=UTC)) == datetime(
        2026, 12, 8, 4, 0, tzinfo=UTC
    )
    assert quiet_until(lunch, datetime(2026, 12, 8, 5, 0, tzinfo=UTC)) is None


def test_quiet_hours_follow_the_clocks_across_dst() -> None:
    night = _settings("23:00", "08:00", "Europe/Lisbon")
    # The night of 28-29 March 2026 clocks go from UTC+0 to UTC+1: 08:00 local = 07:00 UTC.
    assert quiet_until(night, datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )
