"""A ladder slower than real time (a loaded host) neither stretches nor cuts a broadcast.

The listener reads the publisher at the publisher's pace and the ingest
holds the backlog for the ladder: the broadcast ends when the publisher
stops, and its recording has every second it sent.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from socialflow.builtins.local_live import ingest
from socialflow.builtins.local_live.ladder import ladder_command
from socialflow.live.models import LiveBroadcast
from socialflow.testing.waiting import wait_until
from tests.live.conftest import Api, create_stream, read_stream
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg
READ_RATE = 0.4  # the ladder takes 2.5 s per second of stream


@pytest.fixture
def slow_ladder(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> list[str]:
        command = ladder_command(*args, **kwargs)
        at = command.index("pipe:0") - 3  # before "-f nut -i pipe:0"
        return [*command[:at], "-readrate", str(READ_RATE), *command[at:]]

    monkeypatch.setattr(ingest, "ladder_command", slow)


def test_a_slow_ladder_records_the_whole_broadcast_and_it_ends_with_the_publisher(
    slow_ladder: None,
    api: Api,
    actor: Callable[..., Actor],
    publish: Callable[..., subprocess.Popen[bytes]],
    live_server: str,
    platform: Any,
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    publisher = publish(f"{stream['ingest_url']}/{stream['stream_key']}", 2)
    assert publisher.wait(timeout=20) == 0  # at its own pace, not the ladder's
    done = wait_until(
        lambda: (r := read_stream(api, None, stream["id"]))["recording_video_id"] and r,
        timeout=30,
        what="the recording",
    )
    video = api("GET", f"/videos/{done['recording_video_id']}", alice).json()
    with platform.session() as session:
        broadcast = session.exec(
            select(LiveBroadcast).where(LiveBroadcast.stream_id == stream["id"])
        ).one()
    assert broadcast.duration is not None
    # The ladder needed over 5 s; the publisher sent 2 s, and so did the broadcast last.
    assert abs(video["duration"] - 2.0) <= 0.5, video["duration"]
    assert abs(broadcast.duration - video["duration"]) <= 1.0, (broadcast.duration, video)
