"""Operator limits on what publishers send, enforced by the built-in ingest.

A stream above the height limit, or with keyframes further apart than
allowed, is stopped within seconds; the creator reads why on the stream's
health, the ``stream_ended`` event carries the same words, and nothing
answers 500. The meter's bitrate is checked against a real encode at a known
bitrate.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socialflow.builtins.local_live.health import WINDOW_SECONDS, HealthMeter, Limits, breach
from socialflow.testing.services import require_binary
from socialflow.testing.waiting import wait_until
from tests.live import event_recorder
from tests.live.conftest import Api, create_stream, read_stream
from tests.live.publishers import start_publisher
from tests.social.conftest import Actor

pytestmark = pytest.mark.ffmpeg


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "plugin_modules": ["tests.live.event_recorder"],
        "plugin": {
            "local_streaming": {
                "rtmp_port": 0,
                "renditions": [144],
                "preset": "ultrafast",
                "publish_timeout": 5,
                "max_height": 200,
                "max_keyframe_interval": 2,
            }
        },
    }


@pytest.fixture(autouse=True)
def _clear_events() -> None:
    event_recorder.EVENTS.clear()


@pytest.fixture
def publishers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _stopped(api: Api, who: Actor, stream: dict[str, Any], timeout: float) -> dict[str, Any]:
    def reason() -> dict[str, Any] | None:
        response = api("GET", f"/live/streams/{stream['id']}/health", who)
        assert response.status_code == 200, response.text
        body = dict(response.json())
        return body if body["stopped_reason"] and not body["broadcasting"] else None

    stopped = wait_until(reason, timeout=timeout, interval=0.3, what="the stop")
    assert stopped is not None
    return stopped


@pytest.mark.parametrize(
    ("size", "gop", "words"),
    [("320x240", 25, "resolution is 320x240"), ("160x120", 100, "a keyframe came only every")],
)
def test_a_stream_breaking_a_limit_is_stopped_with_a_reason_the_creator_reads(
    api: Api,
    actor: Callable[..., Actor],
    publishers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    size: str,
    gop: int,
    words: str,
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    url = f"{stream['ingest_url']}/{stream['stream_key']}"
    publishers.append(start_publisher(url, tmp_path / "pub.log", seconds=20, size=size, gop=gop))
    stopped = _stopped(api, alice, stream, timeout=15)
    assert words in stopped["stopped_reason"]
    assert "limit" in stopped["stopped_reason"]
    # The publisher was dropped long before its 20 s were up.
    publishers[0].wait(timeout=10)
    ended = wait_until(
        lambda: (s := read_stream(api, alice, stream["id"]))["status"] == "ended" and s,
        timeout=15,
        what="the one-off stream's end",
    )
    assert ended["status"] == "ended"
    event = wait_until(
        lambda: next((e for e in event_recorder.EVENTS if e.name == "stream_ended"), None),
        timeout=10,
        what="stream_ended",
    )
    assert event is not None
    assert event.payload["stopped_reason"] == stopped["stopped_reason"]


def test_a_stream_within_the_limits_is_not_stopped(
    api: Api,
    actor: Callable[..., Actor],
    publishers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    alice = actor("alice")
    stream = create_stream(api, alice)
    url = f"{stream['ingest_url']}/{stream['stream_key']}"
    publishers.append(start_publisher(url, tmp_path / "pub.log", seconds=7, size="160x120"))
    assert publishers[0].wait(timeout=30) == 0

    def ended() -> dict[str, Any] | None:
        body = dict(api("GET", f"/live/streams/{stream['id']}/health", alice).json())
        return body if body["broadcasting"] is False else None

    body = wait_until(ended, timeout=15, what="the end")
    assert body is not None
    assert body["stopped_reason"] is None
    assert body["height"] == 120


def test_the_meter_measures_a_real_encode_and_judges_its_bitrate(tmp_path: Path) -> None:
    """1 Mbps CBR for 8 s, its packets reported as the ingest's listener reports them."""
    ffmpeg = require_binary("ffmpeg")
    report = subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=8",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-maxrate", "1M",
            "-minrate", "1M", "-bufsize", "500k", "-x264-params", "nal-hrd=cbr:force-cfr=1",
            "-g", "60", "-f", "flv", "-",
        ],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    packets = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "flv", "-i", "-",
         "-map", "0:v:0", "-c:v", "copy", "-f", "framecrc", "-"],
        input=report,
        capture_output=True,
        check=True,
    ).stdout.decode()  # fmt: skip
    meter = HealthMeter()
    for line in packets.splitlines():
        meter.feed_packet_line(line)
    snapshot = meter.snapshot()
    assert (snapshot["width"], snapshot["height"]) == (640, 360)
    assert snapshot["frame_rate"] == pytest.approx(30, abs=0.5)
    assert snapshot["keyframe_interval"] == pytest.approx(2.0, abs=0.05)
    assert snapshot["window_seconds"] >= WINDOW_SECONDS - 0.1
    assert snapshot["bitrate_kbps"] == pytest.approx(1000, rel=0.2)
    assert breach(snapshot, Limits(max_bitrate_kbps=2000)) is None
    reason = breach(snapshot, Limits(max_bitrate_kbps=500))
    assert reason is not None
    assert "kbps" in reason
    assert "500 kbps" in reason
    assert breach(snapshot, Limits(min_keyframe_interval=3)) is not None
