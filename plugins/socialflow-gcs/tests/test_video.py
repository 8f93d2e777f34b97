"""The video pipeline end to end with GCS (gcp-storage-emulator) as the active storage.

socialflow's ``VideoEndToEnd`` suite: a tuspy upload cut off and resumed,
chunks composed into the source through the backend's multipart API,
ffmpeg HLS transcoding, and ffprobe playing the master playlist over HTTP,
segments fetched from the emulator through V4 signed URLs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from socialflow.testing.video import VideoEndToEnd

from socialflow_gcs import GCSSettings, GCSStorage

pytestmark = pytest.mark.ffmpeg


class TestVideoOnGCS(VideoEndToEnd):
    @pytest.fixture
    def storage_settings(
        self,
        make_settings: Callable[..., GCSSettings],
        make_section: Callable[..., dict[str, Any]],
    ) -> dict[str, Any]:
        bucket = f"video-{uuid.uuid4().hex[:12]}"
        GCSStorage(make_settings(bucket)).client.create_bucket(bucket)
        return {"storage": "gcs", "plugin": {"gcs": make_section(bucket)}}
