"""The video pipeline end to end with Azure Blob (Azurite) as the active storage.

socialflow's ``VideoEndToEnd`` suite: a tuspy upload cut off and resumed,
chunks composed into the source as staged blocks, ffmpeg HLS transcoding,
and ffprobe playing the master playlist over HTTP, segments fetched from
Azurite through SAS URLs (Azurite checks their signatures and expiry).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from socialflow.testing.video import VideoEndToEnd

from socialflow_azure import AzureBlobStorage, AzureSettings

pytestmark = pytest.mark.ffmpeg


class TestVideoOnAzure(VideoEndToEnd):
    @pytest.fixture
    def storage_settings(
        self,
        azurite_endpoint: str,
        make_settings: Callable[..., AzureSettings],
        make_section: Callable[..., dict[str, Any]],
    ) -> dict[str, Any]:
        container = f"video-{uuid.uuid4().hex[:12]}"
        AzureBlobStorage(make_settings(container)).container.create_container()
        section = make_section(container, account_url=azurite_endpoint)
        return {"storage": "azure", "plugin": {"azure": section}}
