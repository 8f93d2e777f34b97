"""The limits a transcode runs under, each hit for real through the upload API:
``video_max_pixels`` (checked at probe time), the ``media_job_timeout``
watchdog (ffmpeg killed mid-transcode) and ``media_memory_limit_mb`` (the
address-space limit ffmpeg runs under). Each ends the video ``failed`` with a
reason that names the limit, and leaves no ffmpeg behind."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.video.conftest import create_upload, make_clip, patch, wait_for_status

pytestmark = pytest.mark.ffmpeg


def upload(client: httpx.Client, headers: dict[str, str], clip: Path) -> str:
    body = clip.read_bytes()
    created = create_upload(client, headers, len(body))
    assert created.status_code == 201, created.text
    done = patch(client, created.headers["Location"], headers, 0, body)
    assert done.status_code == 204, done.text
    return str(created.headers["Video-Id"])


def failure_of(client: httpx.Client, headers: dict[str, str], video_id: str) -> str:
    video = wait_for_status(client, video_id, headers)
    assert video["status"] == "failed", video
    assert video["renditions"] == []
    assert video["master_url"] is None
    return str(video["failure_reason"])


def media_tools_of(video_id: str) -> list[str]:
    """Command lines of live processes working in this video's scratch folder."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if f"socialflow-{video_id[:8]}-" in text:
            found.append(text)
    return found


class TestMaxPixels:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        return {"video_max_pixels": 320 * 240}

    def test_a_frame_over_the_limit_is_refused_one_at_it_is_not(
        self, client: httpx.Client, headers: dict[str, str], tmp_path: Path
    ) -> None:
        too_big = make_clip(tmp_path / "big.mp4", seconds=1, size="640x360", audio=False)
        reason = failure_of(client, headers, upload(client, headers, too_big))
        assert reason == "the frame is 640x360; the limit is 76800 pixels"
        tall = make_clip(tmp_path / "tall.mp4", seconds=1, size="240x360", audio=False)
        assert "the limit is 76800 pixels" in failure_of(
            client, headers, upload(client, headers, tall)
        )
        at_limit = make_clip(tmp_path / "ok.mp4", seconds=1, size="320x240", audio=False)
        video = wait_for_status(client, upload(client, headers, at_limit), headers)
        assert video["status"] == "ready", video


class TestTranscodeWatchdog:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        # A 20 s clip takes seconds to transcode: far longer than half a second.
        return {"media_job_timeout": 0.5}

    def test_a_transcode_over_the_timeout_is_killed_and_the_video_fails(
        self, client: httpx.Client, headers: dict[str, str], tmp_path: Path
    ) -> None:
        long_clip = make_clip(tmp_path / "long.mp4", seconds=20, size="640x360", audio=False)
        started = time.monotonic()
        video_id = upload(client, headers, long_clip)
        assert failure_of(client, headers, video_id) == "transcoding took longer than 0.5 s"
        assert time.monotonic() - started < 30
        assert media_tools_of(video_id) == []


class TestMemoryLimit:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        # Enough for ffprobe; far too little for a 1080p ladder's encoders and scalers.
        return {"media_memory_limit_mb": 384}

    def test_ffmpeg_out_of_memory_fails_the_video_naming_the_limit(
        self, client: httpx.Client, headers: dict[str, str], tmp_path: Path
    ) -> None:
        big = make_clip(tmp_path / "1080p.mp4", seconds=1, size="1920x1080", audio=False)
        video_id = upload(client, headers, big)
        reason = failure_of(client, headers, video_id)
        assert reason.startswith("transcoding failed: out of memory under the media memory limit")
        assert media_tools_of(video_id) == []
