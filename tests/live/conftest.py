"""Fixtures for the live tests: the built-in provider on a free port, small ladders, publishers.

Publishers are real ffmpeg processes sending a test pattern and a tone over
RTMP (``-re``: at the pace of a camera), as OBS would.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.services import require_binary
from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported

Api = Callable[..., httpx.Response]


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "plugin_modules": ["tests.live.event_recorder"],
        "plugin": {
            "local_streaming": {
                "rtmp_port": 0,
                "renditions": [240, 144],
                "preset": "ultrafast",
                "publish_timeout": 5,
            }
        },
    }


@pytest.fixture
def publish(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """``publish(url, seconds)``: an ffmpeg publisher, killed at the end of the test."""
    ffmpeg = require_binary("ffmpeg")
    started: list[subprocess.Popen[bytes]] = []

    def start(url: str, seconds: float = 4) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"publisher-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
                "-g", "25", "-c:a", "aac", "-f", "flv", url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def create_stream(call: Api, who: Actor, **body: Any) -> dict[str, Any]:
    response = call("POST", "/live/streams", who, json={"title": "Live!", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def read_stream(call: Api, who: Actor | None, stream_id: int) -> dict[str, Any]:
    response = call("GET", f"/live/streams/{stream_id}", who)
    assert response.status_code == 200, response.text
    return dict(response.json())
