"""Fixtures of the video tests: a small real clip, a server whose public URL is right,
and tus helpers (the clip, tuspy and ffprobe helpers live in
``socialflow.testing.video``, shared with the storage plugins' suites)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.server import free_port, run_server
from socialflow.testing.services import require_binary
from socialflow.testing.video import TUS, make_clip, wait_for_status

__all__ = ["TUS", "create_upload", "make_clip", "patch", "wait_for_status"]


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
