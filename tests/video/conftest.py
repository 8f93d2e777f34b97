"""Fixtures of the video tests: a small real clip, a server whose public URL is right,
and tus helpers (the clip, tuspy and ffprobe helpers live in
``socialflow.testing.video``, shared with the storage plugins' suites)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.server import free_port, run_server
from socialflow.testing.services import require_binary
from socialflow.testing.video import TUS, make_clip, wait_for_status
from tests.social.conftest import Actor

__all__ = ["TUS", "create_upload", "make_clip", "patch", "ready_video", "wait_for_status"]

RENDITION = {
    "name": "240p",
    "width": 426,
    "height": 240,
    "bandwidth": 400_000,
    "codecs": "avc1.42c01e,mp4a.40.2",
}
MEDIA_PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg0.ts\n#EXT-X-ENDLIST\n"


def ready_video(
    platform: Any, owner_id: int, title: str = "A video", visibility: str = "public"
) -> str:
    """A ready video with real stored outputs (a rendition, poster, storyboard, source
    and an upload chunk), moved to ``ready`` by the pipeline's own job steps
    (``claim_job`` then ``finish_job``) without ffmpeg: for tests about who may see
    and manage videos, not about transcoding."""
    from socialflow.core.db.base import utcnow
    from socialflow.video import videos as video_service
    from socialflow.video.models import Upload, Video, VideoStatus
    from socialflow.video.uploads import chunk_prefix

    storage = platform.storage
    with platform.session() as session:
        video = Video(
            owner_id=owner_id, title=title, visibility=visibility, status=VideoStatus.processing
        )
        session.add(video)
        session.flush()
        upload = Upload(
            owner_id=owner_id,
            video_id=video.id,
            length=4,
            offset=4,
            expires_at=utcnow() + timedelta(hours=1),
            completed_at=utcnow(),
        )
        session.add(upload)
        session.commit()
        video_id, upload_id = str(video.id), str(upload.id)
    storage.put(f"{chunk_prefix(upload_id)}0000", b"data")
    storage.put(video_service.source_key(video_id), b"source bytes")
    token = uuid.uuid4().hex
    prefix = f"{video_service.hls_root(video_id)}{token}/"
    storage.put(f"{prefix}240p/index.m3u8", MEDIA_PLAYLIST.encode())
    storage.put(f"{prefix}240p/seg0.ts", b"segment")
    storage.put(f"{prefix}poster.jpg", b"poster")
    storage.put(f"{prefix}storyboard.jpg", b"storyboard")
    claimed = video_service.claim_job(platform.session, platform.settings, video_id, token)
    assert not isinstance(claimed, str), claimed
    assert video_service.finish_job(
        platform.session,
        video_id,
        token,
        prefix=prefix,
        values={
            "duration": 2.0,
            "width": 426,
            "height": 240,
            "renditions": [RENDITION],
            "source_key": video_service.source_key(video_id),
            "thumbnail_key": f"{prefix}poster.jpg",
            "storyboard_key": f"{prefix}storyboard.jpg",
            "storyboard": {
                "interval": 1.0,
                "count": 2,
                "columns": 2,
                "rows": 1,
                "tile_width": 160,
                "tile_height": 90,
            },
        },
    )
    return video_id


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_binary("ffprobe")
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def server_port() -> int:
    return free_port()


@pytest.fixture
def video_settings() -> dict[str, Any]:
    """Extra settings a test module may override (merged into socialflow_overrides)."""
    return {}


@pytest.fixture
def socialflow_overrides(server_port: int, video_settings: dict[str, Any]) -> dict[str, Any]:
    # Signed media URLs are absolute (settings.public_url): make them point here.
    return {"public_url": f"http://127.0.0.1:{server_port}", **video_settings}


@pytest.fixture
def live_server(app: Any, server_port: int) -> Iterator[str]:
    with run_server(app, port=server_port) as url:
        yield url


@pytest.fixture
def actor(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> Callable[..., Actor]:
    def factory(username: str, **fields: Any) -> Actor:
        user = make_user(username, **fields)
        return Actor(user, auth_headers(user))

    return factory


@pytest.fixture
def api(client: httpx.Client) -> Callable[..., httpx.Response]:
    def call(method: str, path: str, who: Actor | None = None, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("http") else f"/api/v1{path}"
        return client.request(method, url, headers=dict(who.headers) if who else {}, **kwargs)

    return call


@pytest.fixture
def uploader_user(make_user: Callable[..., Any]) -> Any:
    return make_user("uploader")


@pytest.fixture
def headers(auth_headers: Callable[[Any], dict[str, str]], uploader_user: Any) -> dict[str, str]:
    return {**auth_headers(uploader_user), **TUS}


def create_upload(
    client: httpx.Client, headers: dict[str, str], length: int, metadata: str | None = None
) -> httpx.Response:
    extra = {"Upload-Length": str(length)}
    if metadata is not None:
        extra["Upload-Metadata"] = metadata
    return client.post("/api/v1/uploads/", headers={**headers, **extra})


def patch(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    offset: int,
    body: bytes,
    **extra: str,
) -> httpx.Response:
    return client.patch(
        url,
        content=body,
        headers={
            **headers,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **extra,
        },
    )
