"""``/live/streams``: the key shown to its owner only and never logged, owners only for
key and end (no IDOR), problems for every error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.live.conftest import Api, create_stream, read_stream
from tests.social.conftest import Actor


def test_the_key_is_shown_to_its_owner_once_and_never_logged(
    api: Api, actor: Callable[..., Actor], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice, bob = actor("alice"), actor("bob")
    created = create_stream(api, alice, title="Morning show", replay=True)
    key = created["stream_key"]
    assert len(key) >= 32
    assert created["ingest_url"].startswith("rtmp://127.0.0.1:")
    assert created["status"] == "idle"
    assert created["playback_url"].endswith("/master.m3u8")
    assert key not in created["playback_url"]

    own = read_stream(api, alice, created["id"])
    assert own["ingest_url"] == created["ingest_url"]
    other = read_stream(api, bob, created["id"])
    anonymous = read_stream(api, None, created["id"])
    assert other["ingest_url"] is None
    assert anonymous["ingest_url"] is None

    rotated = api("POST", f"/live/streams/{created['id']}/key", alice)
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["stream_key"]
    assert new_key != key

    seen = [
        api("GET", f"/live/streams/{created['id']}", alice).text,
        api("GET", "/live/streams", alice, params={"mine": "true"}).text,
        api("GET", "/live/streams", bob).text,
        api("POST", f"/live/streams/{created['id']}/end", alice).text,
    ]
    for text in seen:
        assert key not in text
        assert new_key not in text
    assert key not in caplog.text
    assert new_key not in caplog.text


def test_another_user_cannot_rotate_or_end(api: Api, actor: Callable[..., Actor]) -> None:
    alice, mallory = actor("alice"), actor("mallory")
    stream = create_stream(api, alice)
    for path in (f"/live/streams/{stream['id']}/key", f"/live/streams/{stream['id']}/end"):
        response = api("POST", path, mallory)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("live-stream-not-found")
        assert "stream_key" not in response.text
        assert api("POST", path, None).status_code == 401
    assert read_stream(api, alice, stream["id"])["status"] == "idle"
    missing = api("GET", "/live/streams/999999", alice)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_ended_streams_keep_no_key_and_end_twice(api: Api, actor: Callable[..., Actor]) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    ended = api("POST", f"/live/streams/{stream['id']}/end", alice)
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert ended.json()["ended_at"]
    again = api("POST", f"/live/streams/{stream['id']}/end", alice)
    assert again.status_code == 200
    assert again.json()["status"] == "ended"
    rotate = api("POST", f"/live/streams/{stream['id']}/key", alice)
    assert rotate.status_code == 409
    assert rotate.json()["type"].endswith("live-stream-ended")


def test_bad_input_is_a_problem(api: Api, actor: Callable[..., Actor]) -> None:
    alice = actor("alice")
    for body in ({"title": ""}, {"title": "x" * 201}, {"title": "ok", "owner_id": 3}, {}):
        response = api("POST", "/live/streams", alice, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api("GET", "/live/streams/0", alice).status_code == 422
    assert api("GET", "/live/streams", None, params={"mine": "true"}).status_code == 401
    unknown = api("GET", "/live/play/0123456789abcdef0123456789abcdef/master.m3u8", None)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_open_streams_are_limited(
    api: Api, actor: Callable[..., Actor], make_platform: object
) -> None:
    alice = actor("alice")
    ids = [create_stream(api, alice, title=f"s{i}")["id"] for i in range(10)]
    too_many = api("POST", "/live/streams", alice, json={"title": "one more"})
    assert too_many.status_code == 409
    assert too_many.json()["type"].endswith("too-many-live-streams")
    api("POST", f"/live/streams/{ids[0]}/end", alice)
    create_stream(api, alice, title="now it fits")
    mine = api("GET", "/live/streams", alice, params={"mine": "true", "limit": 5}).json()
    assert len(mine["items"]) == 5
    assert mine["next_cursor"]


def test_blocked_viewers_do_not_see_the_stream(api: Api, actor: Callable[..., Actor]) -> None:
    alice, bob = actor("alice"), actor("bob")
    stream = create_stream(api, alice)
    assert api("POST", f"/users/{bob.name}/block", alice).status_code in (200, 201, 204)
    assert api("GET", f"/live/streams/{stream['id']}", bob).status_code == 404


def test_a_channel_the_provider_lost_is_a_conflict_not_an_error(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    ref = stream["playback_url"].rsplit("/", 2)[-2]
    (platform.settings.project_dir / "live" / "channels" / f"{ref}.json").unlink()
    for path in (f"/live/streams/{stream['id']}/key", f"/live/streams/{stream['id']}/end"):
        response = api("POST", path, alice)
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("live-channel-missing")
    assert read_stream(api, alice, stream["id"])["status"] == "idle"


def test_the_export_holds_streams_and_chat_but_no_key(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice, bob = actor("alice"), actor("bob")
    stream = create_stream(api, alice, title="Exported")
    assert (
        api("POST", f"/live/streams/{stream['id']}/chat", alice, json={"text": "hi"}).status_code
        == 201
    )
    api("POST", f"/live/streams/{stream['id']}/chat", bob, json={"text": "bob's"})
    export = api("GET", "/users/me/export", alice)
    assert export.status_code == 200
    text = export.text
    assert stream["stream_key"] not in text
    data = export.json()
    found = [
        s
        for section in data.values()
        if isinstance(section, dict)
        for s in section.get("live_streams", [])
    ]
    found += data.get("live_streams", [])
    assert [s["title"] for s in found] == ["Exported"]
    assert "bob's" not in text
    assert '"hi"' in text


def test_a_deleted_account_s_streams_end(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
    from socialflow.testing.tasks import wait_for_tasks

    alice = actor("alice")
    stream = create_stream(api, alice, permanent=True)
    ref = stream["playback_url"].rsplit("/", 2)[-2]
    gone = api("DELETE", "/users/me", alice, json={"password": DEFAULT_PASSWORD})
    assert gone.status_code == 204, gone.text
    wait_for_tasks(platform)
    channel = (platform.settings.project_dir / "live" / "channels" / f"{ref}.json").read_text()
    assert '"status": "ended"' in channel
    with platform.session() as session:
        from socialflow.live.models import LiveStream

        assert session.get(LiveStream, stream["id"]).status == "ended"
