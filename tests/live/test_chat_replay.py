"""Chat replay: a permanent stream goes live twice with ffmpeg; each recording's chat
comes back at the offsets (seconds into that recording) the messages were written at,
without deleted messages or those of a user banned for good, and only to whom may
see the video."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from sqlmodel import col, select

from socialflow.live.models import LiveBroadcast
from socialflow.testing.waiting import wait_until
from tests.live.conftest import Api, create_stream, read_stream
from tests.live.test_chat import say
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg
Publish = Callable[..., subprocess.Popen[bytes]]


def replay(api: Api, who: Actor | None, video_id: str, query: str = "") -> Any:
    return api("GET", f"/live/videos/{video_id}/chat{query}", who)


def go_live(
    api: Api, publish: Publish, stream: dict[str, Any], owner: Actor, seconds: float
) -> tuple[subprocess.Popen[bytes], float]:
    began = time.time()
    process = publish(f"{stream['ingest_url']}/{stream['stream_key']}", seconds)
    wait_until(
        lambda: read_stream(api, owner, stream["id"])["status"] == "live",
        timeout=15,
        interval=0.1,
        what="the stream live",
    )
    return process, began


def post_at(api: Api, who: Actor, sid: int, began: float, at: float, text: str) -> float:
    """Post ``text`` ``at`` seconds after the publisher started; when (wall clock) it was."""
    time.sleep(max(0.0, began + at - time.time()))
    before = time.time()
    say(api, who, sid, text)
    return (before + time.time()) / 2


def recording_of(api: Api, owner: Actor, sid: int, previous: str | None = None) -> str:
    found = wait_until(
        lambda: (v := read_stream(api, owner, sid)["recording_video_id"]) != previous and v,
        timeout=40,
        what="the recording",
    )
    return str(found)


@pytest.mark.timeout(600)  # two broadcasts and their recordings
def test_each_session_replays_its_own_chat_at_its_offsets(
    api: Api, actor: Callable[..., Actor], publish: Publish, platform: Any
) -> None:
    alice, bob, carol, troll, mallory = (
        actor(n) for n in ("alice", "bob", "carol", "troll", "mallory")
    )
    stream = create_stream(api, alice, permanent=True)
    sid = stream["id"]
    say(api, bob, sid, "before anything")  # not in any recording

    process, began = go_live(api, publish, stream, alice, 6)
    began_first = began
    expected = {"first": post_at(api, bob, sid, began, 2.0, "first")}
    removed = say(api, carol, sid, "to be deleted")
    say(api, troll, sid, "trolling")
    expected["second"] = post_at(api, carol, sid, began, 4.0, "second")
    expected["owner"] = post_at(api, alice, sid, began, 4.5, "owner")
    assert api("DELETE", f"/live/streams/{sid}/chat/{removed['id']}", alice).status_code == 204
    assert (
        api("POST", f"/live/streams/{sid}/chat/bans", alice, json={"user_id": troll.id}).json()[
            "until"
        ]
        is None
    )
    assert process.wait(timeout=30) == 0
    first_video = recording_of(api, alice, sid)
    say(api, bob, sid, "between the sessions")

    process, began = go_live(api, publish, stream, alice, 4)
    later = post_at(api, bob, sid, began, 2.5, "second session")
    assert process.wait(timeout=30) == 0
    second_video = recording_of(api, alice, sid, first_video)

    with platform.session() as session:
        broadcasts = list(
            session.exec(
                select(LiveBroadcast)
                .where(LiveBroadcast.stream_id == sid)
                .order_by(col(LiveBroadcast.id))
            )
        )
    assert [b.video_id for b in broadcasts] == [first_video, second_video]
    # Where each recording starts on the wall clock: the publisher's connection.
    starts = [b.started_at.replace(tzinfo=UTC).timestamp() for b in broadcasts]  # type: ignore[union-attr]

    page = replay(api, None, first_video)
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [m["text"] for m in items] == ["first", "second", "owner"]
    video = api("GET", f"/videos/{first_video}", None).json()
    for message in items:
        posted = expected[message["text"]]
        assert abs(message["offset"] - (posted - starts[0])) <= 1.0, (message, posted)
        # The recording cannot start before the publisher was launched.
        assert message["offset"] <= posted - began_first + 0.5
        assert 0 <= message["offset"] <= video["duration"] + 1
    assert items[0]["user"]["username"] == bob.name

    # A window of the timeline, paged (offsets are rounded to the millisecond).
    cut = items[1]["offset"] - 0.01
    window = replay(api, bob, first_video, f"?from={cut}&limit=1").json()
    assert [m["text"] for m in window["items"]] == ["second"]
    rest = replay(api, bob, first_video, f"?from={cut}&cursor={window['next_cursor']}")
    assert [m["text"] for m in rest.json()["items"]] == ["owner"]
    assert rest.json()["next_cursor"] is None
    early = replay(api, bob, first_video, f"?from=0&to={cut}").json()
    assert [m["text"] for m in early["items"]] == ["first"]

    second = replay(api, bob, second_video).json()["items"]
    assert [m["text"] for m in second] == ["second session"]
    assert abs(second[0]["offset"] - (later - starts[1])) <= 1.0

    # The video's own rule: blocked, private, bad input, not a recording.
    assert api("POST", f"/users/{mallory.name}/block", alice).status_code == 200
    hidden = replay(api, mallory, first_video)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    made_private = api("PATCH", f"/videos/{second_video}", alice, json={"visibility": "private"})
    assert made_private.status_code == 200, made_private.text
    assert replay(api, bob, second_video).status_code == 404
    assert replay(api, alice, second_video).status_code == 200
    assert replay(api, bob, first_video, "?from=5&to=2").status_code == 422
    assert replay(api, bob, first_video, "?from=-1").status_code == 422
    assert replay(api, bob, "nosuchvideo").status_code == 404
