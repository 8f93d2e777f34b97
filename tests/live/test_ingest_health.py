"""Stream health and latency modes on the built-in provider, with real ffmpeg publishers.

The creator reads their stream's health while it is live (resolution,
frame rate, keyframe interval and bitrate of what their encoder sends,
transcoding speed), only they may; a stream set to ``low`` latency is cut
into half-second segments, ``standard`` into the operator's one second, and
both playlists stay readable by ffprobe.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socialflow.testing.waiting import wait_until
from tests.live.conftest import Api, create_stream, read_stream
from tests.live.publishers import start_publisher
from tests.live.test_publish import ffprobe_streams, local_url
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg


@pytest.fixture
def publishers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def health(api: Api, who: Actor, stream_id: int) -> dict[str, Any]:
    response = api("GET", f"/live/streams/{stream_id}/health", who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_owner_reads_the_health_of_a_live_stream_while_it_changes(
    api: Api,
    actor: Callable[..., Actor],
    publishers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    alice, bob = actor("alice"), actor("bob")
    stream = create_stream(api, alice)
    before = health(api, alice, stream["id"])
    assert before["available"] is True
    assert before["broadcasting"] is False
    assert before["bitrate_kbps"] is None
    url = f"{stream['ingest_url']}/{stream['stream_key']}"
    publishers.append(start_publisher(url, tmp_path / "pub.log", seconds=9, gop=50))

    first = wait_until(
        lambda: (h := health(api, alice, stream["id"]))["keyframe_interval"] and h,
        timeout=15,
        interval=0.3,
        what="a measured health",
    )
    assert first["broadcasting"] is True
    assert (first["width"], first["height"], first["codec"]) == (320, 240, "h264")
    # Two keyframes apart (2 s) must have come in before the interval reads right.
    later = wait_until(
        lambda: (
            abs(((h := health(api, alice, stream["id"]))["keyframe_interval"] or 0) - 2) < 0.15
            and h
        ),
        timeout=8,
        interval=0.3,
        what="a settled measure",
    )
    assert later["measured_at"] != first["measured_at"]  # rewritten while live
    assert later["frame_rate"] == pytest.approx(25, abs=2)
    assert later["bitrate_kbps"] > 0
    assert later["speed"] is not None
    assert later["speed"] > 0
    assert later["dropped_frames"] is not None
    assert later["stopped_reason"] is None

    # Nobody else reads it: another account and an anonymous caller.
    assert api("GET", f"/live/streams/{stream['id']}/health", bob).status_code == 404
    assert api("GET", f"/live/streams/{stream['id']}/health", None).status_code == 401
    assert api("GET", "/live/streams/99999999999/health", alice).status_code in (404, 422)

    assert publishers[0].wait(timeout=30) == 0

    def ended() -> dict[str, Any] | None:
        body = health(api, alice, stream["id"])
        return None if body["broadcasting"] else body

    done = wait_until(ended, timeout=20, what="the broadcast's end")
    assert done is not None
    assert done["stopped_reason"] is None
    assert done["height"] == 240  # the last measure stays readable after the broadcast
    # ... and after its recording was copied away from the ingest's folder.
    wait_until(
        lambda: read_stream(api, alice, stream["id"])["recording_video_id"],
        timeout=20,
        what="the recording",
    )
    assert health(api, alice, stream["id"])["height"] == 240


def _media_playlist(api: Api, live_server: str, playback_url: str) -> tuple[str, str]:
    """(text, URL) of the lowest rendition's live playlist."""
    master = api("GET", playback_url.split("/api/v1", 1)[1], None)
    assert master.status_code == 200, master.text
    path = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    url = local_url(live_server, playback_url).rsplit("/", 1)[0] + "/" + path
    response = api("GET", url.split("/api/v1", 1)[1], None)
    assert response.status_code == 200, response.text
    return response.text, url


@pytest.mark.parametrize(("mode", "segment"), [("low", 0.5), ("standard", 1.0)])
def test_the_latency_mode_sets_the_segment_length_and_ffprobe_plays_it(
    api: Api,
    actor: Callable[..., Actor],
    publishers: list[subprocess.Popen[bytes]],
    live_server: str,
    tmp_path: Path,
    mode: str,
    segment: float,
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    chosen = api("PUT", f"/live/streams/{stream['id']}/latency", alice, json={"mode": mode})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["latency_mode"] == mode
    url = f"{stream['ingest_url']}/{stream['stream_key']}"
    publishers.append(start_publisher(url, tmp_path / "pub.log", seconds=6))

    def playlist_with_segments() -> str | None:
        try:
            text, _ = _media_playlist(api, live_server, stream["playback_url"])
        except (AssertionError, StopIteration):
            return None
        return text if text.count("#EXTINF:") >= 4 else None

    text = wait_until(playlist_with_segments, timeout=15, interval=0.3, what="segments")
    assert text is not None
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", text)]
    # Every segment but the newest is cut at the mode's length (a keyframe forced at each).
    assert all(abs(d - segment) < 0.05 for d in durations[:-1]), durations
    assert "#EXT-X-PROGRAM-DATE-TIME:" in text
    assert "#EXT-X-TARGETDURATION:1" in text
    _, media_url = _media_playlist(api, live_server, stream["playback_url"])
    probed = ffprobe_streams(media_url)
    assert {s["codec_type"] for s in probed} == {"video", "audio"}
    assert publishers[0].wait(timeout=30) == 0


def test_choosing_a_latency_mode_is_the_owners_and_checked(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice, bob = actor("alice"), actor("bob")
    stream = create_stream(api, alice)
    path = f"/live/streams/{stream['id']}/latency"
    assert api("PUT", path, bob, json={"mode": "low"}).status_code == 404
    assert api("PUT", path, None, json={"mode": "low"}).status_code == 401
    wrong = api("PUT", path, alice, json={"mode": "ultra"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert health(api, alice, stream["id"])["latency_mode"] == "standard"
    assert api("PUT", path, alice, json={"mode": "low"}).json()["latency_mode"] == "low"
    assert api("POST", f"/live/streams/{stream['id']}/end", alice).status_code == 200
    ended = api("PUT", path, alice, json={"mode": "standard"})
    assert ended.status_code == 409
    assert health(api, alice, stream["id"])["latency_mode"] == "low"  # nothing changed
