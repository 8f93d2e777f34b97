"""The video pipeline end to end with S3 (moto) as the active storage.

socialflow's ``VideoEndToEnd`` suite: a tuspy upload cut off and resumed,
chunks composed into the source with S3 multipart (moto enforces the 5 MiB
minimum of every part but the last), ffmpeg HLS transcoding, and ffprobe
playing the master playlist over HTTP, segments fetched from moto through
presigned URLs.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from socialflow.testing.video import VideoEndToEnd

from socialflow_s3 import S3Storage

pytestmark = pytest.mark.ffmpeg


class TestVideoOnS3(VideoEndToEnd):
    @pytest.fixture
    def storage_settings(
        self, s3_endpoint: str, make_settings: Any, make_section: Any
    ) -> dict[str, Any]:
        bucket = f"video-{uuid.uuid4().hex[:12]}"
        S3Storage(make_settings(s3_endpoint, bucket)).client.create_bucket(Bucket=bucket)
        section = make_section(s3_endpoint, bucket, region="us-east-1")
        return {"storage": "s3", "plugin": {"s3": section}}
