"""Scheduled lives: a countdown in the stream resource until it first goes live, a
``live_scheduled`` event at creation, and schedules in the past refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.live import event_recorder
from tests.live.conftest import Api, create_stream, read_stream
from tests.social.conftest import Actor


@pytest.fixture(autouse=True)
def _clear_events() -> None:
    event_recorder.EVENTS.clear()


def test_a_scheduled_stream_counts_down_and_is_announced(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice, bob = actor("alice"), actor("bob")
    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    created = create_stream(api, alice, title="Weekly Q&A", scheduled_at=at.isoformat())
    seen = read_stream(api, bob, created["id"])
    countdown = seen["countdown"]
    assert countdown["state"] == "upcoming"
    assert datetime.fromisoformat(countdown["scheduled_at"].replace("Z", "+00:00")) == at
    assert 7200 - 60 <= countdown["seconds_left"] <= 7200
    [event] = [e for e in event_recorder.EVENTS if e.name == "live_scheduled"]
    assert event.payload["stream_id"] == created["id"]
    assert event.payload["owner_id"] == alice.id
    assert event.payload["scheduled_at"] == at.isoformat()
    assert "stream_key" not in event.payload

    plain = create_stream(api, alice, title="Now")
    assert plain["countdown"] is None
    assert [e.name for e in event_recorder.EVENTS] == ["live_scheduled"]


def _when(case: str) -> str:
    now = datetime.now(UTC)
    return {
        "past": (now - timedelta(minutes=5)).isoformat(),
        "over_a_year": (now + timedelta(days=400)).isoformat(),
        "no_time_zone": (now + timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        "not_a_time": "tomorrow",
    }[case]


@pytest.mark.parametrize("case", ["past", "over_a_year", "no_time_zone", "not_a_time"])
def test_bad_schedules_are_refused_without_a_stream(
    api: Api, actor: Callable[..., Actor], case: str
) -> None:
    when = _when(case)
    alice = actor("alice")
    response = api("POST", "/live/streams", alice, json={"title": "x", "scheduled_at": when})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    mine = api("GET", "/live/streams", alice, params={"mine": "true"}).json()["items"]
    assert mine == []
    assert event_recorder.EVENTS == []
