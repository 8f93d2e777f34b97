"""Upload with tuspy, cut off midway, resume, transcode, play the HLS over HTTP with ffprobe.

Runs on the embedded defaults with tasks inline, and again with a real Celery
worker process (on PostgreSQL + Redis under SOCIALFLOW_TEST_BACKEND=services).
The helpers are ``socialflow.testing.video``'s; ``TestLocalStorageSuite`` runs
the same suite the S3, Azure and GCS plugins run against their emulators.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.core.db.base import utcnow
from socialflow.testing.video import (
    VideoEndToEnd,
    assert_one_set_of_outputs,
    assert_playable,
    make_clip,
    upload_with_interruption,
    wait_for_status,
)
from socialflow.testing.waiting import wait_until
from socialflow.testing.worker import running_worker
from socialflow.video.models import Video

pytestmark = pytest.mark.ffmpeg


class TestLocalStorageSuite(VideoEndToEnd):
    """The plugin authors' video suite on the built-in ``local`` backend, tasks inline.

    (Its first test is the inline end-to-end run: tuspy upload cut off and
    resumed, transcode, ffprobe over HTTP, poster.)
    """

    @pytest.fixture
    def storage_settings(self) -> dict[str, Any]:
        return {"storage": "local"}


def heartbeat_is_stale(platform: Any, video_id: str) -> bool:
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        assert row.job_heartbeat_at is not None
        age = (utcnow() - row.job_heartbeat_at).total_seconds()
        return age > platform.settings.media_job_stale_seconds + 0.2


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
        # The next worker's start-up sweep requeues the job only once its heartbeat
        # is older than media_job_stale_seconds: wait for exactly that, no longer.
        wait_until(lambda: heartbeat_is_stale(platform, video_id), what="a stale heartbeat")
        with running_worker(platform):
            video = wait_for_status(client, video_id, headers, timeout=120)
        assert video["status"] == "ready", video
        assert_playable(video, source_duration=30)
        assert_one_set_of_outputs(platform, video_id, long_clip)
        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            assert row.job_attempts >= 2
