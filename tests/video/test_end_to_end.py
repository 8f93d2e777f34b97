"""Upload with tuspy, cut off midway, resume, transcode, play the HLS over HTTP with ffprobe.

Runs on the embedded defaults with tasks inline, and again with a real Celery
worker process (on PostgreSQL + Redis under SOCIALFLOW_TEST_BACKEND=services).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tusclient import client as tus_client
from tusclient.uploader import Uploader

from socialflow.models.video import Video
from socialflow.testing.services import require_binary
from socialflow.testing.worker import running_worker
from tests.video.conftest import make_clip, wait_for_status

pytestmark = pytest.mark.ffmpeg


def _tus(live_server: str, headers: dict[str, str]) -> tus_client.TusClient:
    auth = {k: v for k, v in headers.items() if k != "Tus-Resumable"}
    return tus_client.TusClient(f"{live_server}/api/v1/uploads/", headers=auth)


def upload_with_interruption(
    live_server: str, client: httpx.Client, headers: dict[str, str], path: Path
) -> str:
    """Upload half with one uploader, drop it, resume from the server's offset with a new one."""
    size = path.stat().st_size
    tus = _tus(live_server, headers)
    first = tus.uploader(
        str(path), chunk_size=32 * 1024, metadata={"filename": path.name}, upload_checksum=True
    )
    first.upload(stop_at=size // 2)
    url = first.url
    assert url is not None
    del first  # the "phone" lost its connection; only the URL survives

    head = client.head(url, headers=headers)
    assert head.status_code == 200
    server_offset = int(head.headers["Upload-Offset"])
    assert 0 < server_offset < size
    video_id = head.headers["Video-Id"]
    assert client.get(f"/api/v1/videos/{video_id}", headers=headers).json()["status"] == "uploading"

    resumed = Uploader(str(path), client=tus, url=url, chunk_size=64 * 1024, upload_checksum=True)
    assert resumed.offset == server_offset  # tuspy asked the server where to resume
    resumed.upload()
    return video_id


def ffprobe_over_http(url: str) -> dict[str, Any]:
    ffprobe = require_binary("ffprobe")
    output = subprocess.run(
        [ffprobe, "-v", "error", "-of", "json", "-show_streams", "-show_format", url],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(output)


def assert_playable(video: dict[str, Any], source_duration: float) -> None:
    assert video["status"] == "ready", video
    assert video["progress"] == 100
    assert {r["height"] for r in video["renditions"]} == {240, 360}
    data = ffprobe_over_http(video["master_url"])
    heights = sorted(s["height"] for s in data["streams"] if s.get("codec_type") == "video")
    assert heights == [240, 360]
    assert any(s.get("codec_name") == "aac" for s in data["streams"])
    assert abs(float(data["format"]["duration"]) - source_duration) <= 0.5
    for rendition in video["renditions"]:
        single = ffprobe_over_http(rendition["playlist_url"])
        widths = [s["width"] for s in single["streams"] if s.get("codec_type") == "video"]
        assert widths == [rendition["width"]]


def assert_one_set_of_outputs(platform: Any, video_id: str, source: Path) -> None:
    storage = platform.storage
    with platform.session() as session:
        video = session.get(Video, video_id)
        assert video is not None
        prefix, source_key = video.hls_prefix, video.source_key
    attempts = {key.split("/")[3] for key in storage.list(f"videos/{video_id}/hls/")}
    assert len(attempts) == 1, attempts
    assert prefix == f"videos/{video_id}/hls/{attempts.pop()}/"
    digest = hashlib.sha256()
    for piece in storage.open(source_key):
        digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()
    assert storage.list("uploads/") == []  # chunks composed into the source, then deleted


def test_tus_upload_resume_transcode_and_play_inline(
    live_server: str, client: httpx.Client, headers: dict[str, str], clip: Path, platform: Any
) -> None:
    video_id = upload_with_interruption(live_server, client, headers, clip)
    video = wait_for_status(client, video_id, headers)
    assert_playable(video, source_duration=2.5)
    assert_one_set_of_outputs(platform, video_id, clip)
    poster = client.get(video["thumbnail_url"])
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "image/jpeg"
    assert poster.content[:2] == b"\xff\xd8"


class TestWithWorker:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        return {
            "task_always_eager": False,
            "media_job_stale_seconds": 2,
            "media_sweep_interval": 1,
        }

    @pytest.mark.slow
    def test_tus_upload_resume_transcode_and_play_on_a_worker(
        self,
        live_server: str,
        client: httpx.Client,
        headers: dict[str, str],
        clip: Path,
        platform: Any,
        celery_worker: Any,
    ) -> None:
        video_id = upload_with_interruption(live_server, client, headers, clip)
        video = wait_for_status(client, video_id, headers)
        assert_playable(video, source_duration=2.5)
        assert_one_set_of_outputs(platform, video_id, clip)

    @pytest.mark.slow
    def test_worker_killed_mid_transcode_then_a_new_one_finishes(
        self,
        live_server: str,
        client: httpx.Client,
        headers: dict[str, str],
        platform: Any,
        tmp_path: Path,
    ) -> None:
        long_clip = make_clip(tmp_path / "long.mp4", seconds=30, size="640x360")
        with running_worker(platform) as first:
            video_id = upload_with_interruption(live_server, client, headers, long_clip)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                video = client.get(f"/api/v1/videos/{video_id}", headers=headers).json()
                if video["status"] == "processing" and video["progress"] >= 10:
                    break
                assert video["status"] in ("uploading", "processing"), video
                time.sleep(0.05)
            else:
                pytest.fail(f"transcode never got going: {video}")
            assert video["status"] == "processing"
            assert video["progress"] < 90
            os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool, mid-transcode
            first.wait()
        time.sleep(2.5)  # let its heartbeat go stale
        with running_worker(platform):
            video = wait_for_status(client, video_id, headers, timeout=120)
        assert video["status"] == "ready", video
        assert_playable(video, source_duration=30)
        assert_one_set_of_outputs(platform, video_id, long_clip)
        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            assert row.job_attempts >= 2
