"""Publishing with ffmpeg to the built-in provider, on the embedded defaults.

Two streams at once, each playable by ffprobe within 5 s of its publisher
starting; a wrong key refused before any segment is written; a finished
broadcast turned into a ready on-demand video as long as the broadcast.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from socialflow.live.models import LiveBroadcast
from socialflow.testing.services import require_binary
from socialflow.testing.waiting import wait_until
from tests.live import event_recorder
from tests.live.conftest import Api, create_stream, read_stream
from tests.realtime.clients import open_socket, receive_until, subscribe, token_of
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg
Publish = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture(autouse=True)
def _clear_events() -> None:
    event_recorder.EVENTS.clear()


def ffprobe_streams(url: str, *options: str) -> list[dict[str, Any]]:
    ffprobe = require_binary("ffprobe")
    result = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            *options,
            "-show_entries",
            "stream=codec_type,height",
            "-of",
            "json",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    if result.returncode != 0:
        return []
    return list(json.loads(result.stdout).get("streams", []))


def local_url(live_server: str, playback_url: str) -> str:
    """The playback URL on the test server (``public_url`` is not where it listens)."""
    return live_server + playback_url[playback_url.index("/api/v1/") :]


def segments_under(root: Path) -> list[Path]:
    return list(root.rglob("*.ts")) + list(root.rglob("*.m3u8"))


def test_two_streams_at_once_play_within_5_s_and_record(
    api: Api,
    actor: Callable[..., Actor],
    publish: Publish,
    live_server: str,
    platform: Any,
    tmp_path: Path,
) -> None:
    alice, bob = actor("alice"), actor("bob")
    streams = [create_stream(api, alice, title="Alice live"), create_stream(api, bob)]
    started = time.monotonic()
    publishers = [publish(f"{s['ingest_url']}/{s['stream_key']}", 4) for s in streams]

    def time_to_play(stream: dict[str, Any]) -> float:
        url = local_url(live_server, stream["playback_url"])
        probed = wait_until(lambda: ffprobe_streams(url), timeout=10, interval=0.2)
        assert {s["codec_type"] for s in probed} == {"video", "audio"}
        return time.monotonic() - started

    with ThreadPoolExecutor(2) as pool:  # both probed at once, each timed on its own
        delays = list(pool.map(time_to_play, streams))
    assert max(delays) < 5, f"playable {delays} s after publish"
    live = api("GET", "/live/streams", None).json()["items"]
    assert {s["id"] for s in live} == {s["id"] for s in streams}
    assert all(s["status"] == "live" for s in live)

    for process in publishers:
        assert process.wait(timeout=30) == 0
    for stream in streams:
        done = wait_until(
            lambda s=stream: (r := read_stream(api, None, s["id"]))["recording_video_id"] and r,
            timeout=30,
            what="the recording",
        )
        assert done["status"] == "ended"  # one-off: over with its broadcast
        video = api("GET", f"/videos/{done['recording_video_id']}", None).json()
        assert video["status"] == "ready"
        assert video["owner_id"] == stream["owner"]["id"]
        assert abs(video["duration"] - 4.0) <= 1.0
        with platform.session() as session:
            broadcast = session.exec(
                select(LiveBroadcast).where(LiveBroadcast.stream_id == stream["id"])
            ).one()
        assert abs(video["duration"] - broadcast.duration) <= 1.0
        assert [r["height"] for r in video["renditions"]] == [144, 240]
        assert video["thumbnail_url"]
        master = api("GET", video["master_url"].split("/api/v1", 1)[1], None)
        assert master.status_code == 200
        playlist = api("GET", video["renditions"][-1]["playlist_url"].split("/api/v1", 1)[1])
        assert playlist.status_code == 200
        assert "#EXT-X-ENDLIST" in playlist.text
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist.text
        assert "#EXT-X-PROGRAM-DATE-TIME" in playlist.text
        # Played from the stored copy: public_url is not where the test server listens.
        local = tmp_path / f"vod-{stream['id']}.m3u8"
        local.write_text(playlist.text.replace("http://127.0.0.1:8000", live_server))
        vod = ffprobe_streams(str(local), "-protocol_whitelist", "file,http,tcp")
        assert {s["codec_type"] for s in vod} == {"video", "audio"}
    mine = api("GET", "/videos", alice, params={"mine": "true"}).json()["items"]
    assert [v["id"] for v in mine] == [
        read_stream(api, None, streams[0]["id"])["recording_video_id"]
    ]
    # The keys are nowhere on disk: not in the channel files, nor in ffmpeg's logs.
    root = platform.settings.project_dir / "live"
    for path in (p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert all(s["stream_key"].encode() not in content for s in streams), path
    names = [e.name for e in event_recorder.EVENTS]
    assert names.count("stream_started") == 2
    assert names.count("stream_ended") == 2


def test_a_wrong_key_is_refused_before_anything_is_written(
    api: Api, actor: Callable[..., Actor], publish: Publish, live_server: str, platform: Any
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    root = platform.settings.project_dir / "live"
    wrong = publish(f"{stream['ingest_url']}/live_{'x' * 43}", 3)
    assert wrong.wait(timeout=20) != 0
    truncated = publish(f"{stream['ingest_url']}/{stream['stream_key'][:-1]}", 3)
    assert truncated.wait(timeout=20) != 0
    assert segments_under(root) == []
    # The refused connections' empty folders go once their listeners are reaped.
    wait_until(lambda: list((root / "broadcasts").iterdir()) == [], timeout=10)
    after = read_stream(api, alice, stream["id"])
    assert after["status"] == "idle"
    assert after["started_at"] is None
    assert event_recorder.EVENTS == []

    # An old key stops working once rotated.
    old_key = stream["stream_key"]
    api("POST", f"/live/streams/{stream['id']}/key", alice)
    stale = publish(f"{stream['ingest_url']}/{old_key}", 3)
    assert stale.wait(timeout=20) != 0
    assert segments_under(root) == []


def test_ending_a_permanent_stream_drops_the_publisher_and_records(
    api: Api, actor: Callable[..., Actor], publish: Publish, live_server: str, platform: Any
) -> None:
    alice, bob = actor("alice"), actor("bob")
    assert api("POST", f"/users/{alice.name}/follow", bob).status_code == 200
    stream = create_stream(api, alice, permanent=True)
    with open_socket(live_server, token_of(bob.headers)) as ws:
        subscribe(ws, f"user:{bob.id}")
        publisher = publish(f"{stream['ingest_url']}/{stream['stream_key']}", 60)
        frame = receive_until(ws, lambda f: f["event"] == "live_started", timeout=15)
    assert frame["topic"] == f"user:{bob.id}"
    assert frame["data"]["stream_id"] == stream["id"]
    assert frame["data"]["owner"]["username"] == alice.name
    assert stream["stream_key"] not in json.dumps(frame)
    wait_until(lambda: read_stream(api, None, stream["id"])["status"] == "live", timeout=10)
    time.sleep(3)  # let a few seconds be broadcast
    ended = api("POST", f"/live/streams/{stream['id']}/end", alice)
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    publisher.wait(timeout=15)  # dropped by the ingest
    done = wait_until(
        lambda: (r := read_stream(api, None, stream["id"]))["recording_video_id"] and r,
        timeout=30,
        what="the recording",
    )
    video = api("GET", f"/videos/{done['recording_video_id']}", alice).json()
    assert video["status"] == "ready"
    with platform.session() as session:
        broadcast = session.exec(
            select(LiveBroadcast).where(LiveBroadcast.stream_id == stream["id"])
        ).one()
    assert broadcast.duration is not None
    assert abs(video["duration"] - broadcast.duration) <= 1.0
    # The channel takes no publisher any more.
    again = publish(f"{stream['ingest_url']}/{stream['stream_key']}", 3)
    assert again.wait(timeout=20) != 0
