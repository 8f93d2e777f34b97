"""Each MUST of tus 1.0 core and of the creation, creation-with-upload, termination,
checksum and expiration extensions, over real HTTP; plus auth, ownership,
concurrency, restart survival and CORS."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from socialflow.app import create_app
from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.testing.server import run_server
from socialflow.testing.waiting import wait_until
from socialflow.video.models import Upload, UploadChunk, Video
from socialflow.video.uploads import expire_uploads
from tests.video.conftest import TUS, create_upload, patch

BASE = "/api/v1/uploads/"


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def sha1_header(body: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(body).digest()).decode()  # noqa: S324


@pytest.fixture
def video_settings() -> dict[str, Any]:
    return {"upload_max_size": 1_000_000, "cors_origins": ["https://app.example"]}


@pytest.fixture
def new_upload(client: httpx.Client, headers: dict[str, str]) -> Callable[..., httpx.Response]:
    def make(length: int = 10, metadata: str | None = None) -> httpx.Response:
        response = create_upload(client, headers, length, metadata)
        assert response.status_code == 201, response.text
        return response

    return make


# ------------------------------------------------------------------ core


def test_options_lists_version_extensions_max_size_and_checksums(client: httpx.Client) -> None:
    response = client.options(BASE)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert {"creation", "creation-with-upload", "termination", "checksum", "expiration"} <= (
        extensions
    )
    assert response.headers["Tus-Max-Size"] == "1000000"
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")


@pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
def test_unsupported_tus_resumable_is_412_with_tus_version(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    version: str | None,
) -> None:
    location = new_upload(5).headers["Location"]
    bad = {k: v for k, v in headers.items() if k != "Tus-Resumable"}
    if version:
        bad["Tus-Resumable"] = version
    responses = [
        client.post(BASE, headers={**bad, "Upload-Length": "5"}),
        client.head(location, headers=bad),
        client.patch(
            location,
            content=b"abc",
            headers={
                **bad,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        ),
        client.delete(location, headers=bad),
    ]
    for response in responses:
        assert response.status_code == 412
        assert response.headers["Tus-Version"] == "1.0.0"
    # Not processed: the upload is untouched.
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


def test_head_reports_offset_length_no_store_and_video_id(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    created = new_upload(10, metadata=f"filename {b64('a.mp4')},private")
    location = created.headers["Location"]
    assert patch(client, location, headers, 0, b"12345").status_code == 204
    head = client.head(location, headers=headers)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "5"
    assert head.headers["Upload-Length"] == "10"
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == "1.0.0"
    assert head.headers["Video-Id"] == created.headers["Video-Id"]
    assert head.headers["Upload-Metadata"] == f"filename {b64('a.mp4')},private"
    assert head.content == b""


def test_patch_appends_and_answers_204_with_new_offset(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    location = new_upload(10).headers["Location"]
    first = patch(client, location, headers, 0, b"hello")
    assert first.status_code == 204
    assert first.headers["Upload-Offset"] == "5"
    assert first.headers["Tus-Resumable"] == "1.0.0"
    second = patch(client, location, headers, 5, b"world")
    assert second.headers["Upload-Offset"] == "10"
    upload_id = location.rsplit("/", 1)[1]
    with platform.session() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        assert upload.completed_at is not None
        video = session.get(Video, upload.video_id)
        # Not a video at all: processing rejected it, with a reason.
        assert video is not None
        assert video.status == "failed"
        assert video.failure_reason


def test_patch_with_wrong_offset_is_409_and_nothing_is_written(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    location = new_upload(10).headers["Location"]
    response = patch(client, location, headers, 3, b"abc")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


def test_patch_with_wrong_content_type_is_415(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    location = new_upload(10).headers["Location"]
    response = client.patch(
        location,
        content=b"abc",
        headers={**headers, "Upload-Offset": "0", "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 415
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_patch_without_offset_is_400_and_past_the_length_is_413(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    location = new_upload(4).headers["Location"]
    missing = client.patch(
        location,
        content=b"ab",
        headers={**headers, "Content-Type": "application/offset+octet-stream"},
    )
    assert missing.status_code == 400
    assert patch(client, location, headers, 0, b"abcdefgh").status_code == 413
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"
    # Chunked (no Content-Length): the excess is noticed while streaming.
    chunked = patch(client, location, headers, 0, iter([b"ab", b"cdef"]))  # type: ignore[arg-type]
    assert chunked.status_code == 413
    assert chunked.headers["content-type"] == "application/problem+json"
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"
    assert patch(client, location, headers, 0, b"abcd").status_code == 204


def test_unknown_and_other_users_uploads_are_404(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    location = new_upload(10).headers["Location"]
    mallory = {**auth_headers(make_user("mallory")), **TUS}
    assert client.head(location, headers=mallory).status_code == 404
    assert patch(client, location, mallory, 0, b"evil").status_code == 404
    assert client.delete(location, headers=mallory).status_code == 404
    assert client.head(f"{BASE}{'0' * 32}", headers=headers).status_code == 404
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


def test_auth_is_required(client: httpx.Client) -> None:
    response = client.post(BASE, headers={**TUS, "Upload-Length": "10"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# -------------------------------------------------------------- creation


def test_creation_returns_location_video_id_and_an_uploading_video(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    created = create_upload(
        client, headers, 100, metadata=f"filename {b64('holiday.mp4')},filetype {b64('video/mp4')}"
    )
    assert created.status_code == 201
    assert created.headers["Location"].startswith(str(client.base_url) + BASE)
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in created.headers
    video = client.get(f"/api/v1/videos/{created.headers['Video-Id']}", headers=headers)
    assert video.status_code == 200
    assert video.json()["status"] == "uploading"
    assert video.json()["title"] == "holiday"


@pytest.mark.parametrize(
    ("length", "metadata", "status"),
    [
        (None, None, 400),
        ("-1", None, 400),
        ("ten", None, 400),
        ("1000001", None, 413),
        ("10", "filename not*base64", 400),
        ("10", "a YQ==,a YQ==", 400),
    ],
)
def test_creation_rejects_bad_requests(
    client: httpx.Client,
    headers: dict[str, str],
    length: str | None,
    metadata: str | None,
    status: int,
    platform: Any,
) -> None:
    extra = {}
    if length is not None:
        extra["Upload-Length"] = length
    if metadata is not None:
        extra["Upload-Metadata"] = metadata
    response = client.post(BASE, headers={**headers, **extra})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    with platform.session() as session:
        assert session.exec(select(Video)).all() == []


def test_creation_with_upload_stores_the_body(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    response = client.post(
        BASE,
        content=b"first part",
        headers={
            **headers,
            "Upload-Length": "20",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == "10"
    head = client.head(response.headers["Location"], headers=headers)
    assert head.headers["Upload-Offset"] == "10"


# ------------------------------------------------------------ termination


def test_termination_deletes_upload_bytes_and_video(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    created = new_upload(10)
    location = created.headers["Location"]
    patch(client, location, headers, 0, b"12345")
    upload_id = location.rsplit("/", 1)[1]
    assert platform.storage.list(f"uploads/{upload_id}/")
    response = client.delete(location, headers=headers)
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert client.head(location, headers=headers).status_code == 404
    assert patch(client, location, headers, 5, b"67890").status_code == 404
    assert platform.storage.list(f"uploads/{upload_id}/") == []
    video = client.get(f"/api/v1/videos/{created.headers['Video-Id']}", headers=headers)
    assert video.status_code == 404


# --------------------------------------------------------------- checksum


def test_checksum_match_is_accepted(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    location = new_upload(10).headers["Location"]
    response = patch(
        client, location, headers, 0, b"hello", **{"Upload-Checksum": sha1_header(b"hello")}
    )
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "5"


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    location = new_upload(10).headers["Location"]
    upload_id = location.rsplit("/", 1)[1]
    response = patch(
        client, location, headers, 0, b"hellX", **{"Upload-Checksum": sha1_header(b"hello")}
    )
    assert response.status_code == 460
    assert response.json()["type"] == "urn:socialflow:problem:checksum-mismatch"
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"
    assert platform.storage.list(f"uploads/{upload_id}/") == []
    with platform.session() as session:
        assert session.exec(select(UploadChunk)).all() == []
    # The lock was released: the client retries at once.
    retry = patch(
        client, location, headers, 0, b"hello", **{"Upload-Checksum": sha1_header(b"hello")}
    )
    assert retry.status_code == 204


@pytest.mark.parametrize("value", ["crc32 AAAA", "sha1 !!!", "sha1 " + b64("short")])
def test_unsupported_or_malformed_checksum_is_400(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    value: str,
) -> None:
    location = new_upload(10).headers["Location"]
    response = patch(client, location, headers, 0, b"hello", **{"Upload-Checksum": value})
    assert response.status_code == 400
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


# ------------------------------------------------------------- expiration


def test_expiration_header_then_410_then_cleanup(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    created = new_upload(10)
    location = created.headers["Location"]
    assert created.headers["Upload-Expires"].endswith("GMT")
    patched = patch(client, location, headers, 0, b"12345")
    assert patched.headers["Upload-Expires"].endswith("GMT")
    upload_id = location.rsplit("/", 1)[1]
    with platform.session() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        upload.expires_at = utcnow() - timedelta(seconds=1)
        session.add(upload)
        session.commit()
    assert client.head(location, headers=headers).status_code == 410
    assert patch(client, location, headers, 5, b"67890").status_code == 410
    with platform.session() as session:
        assert expire_uploads(session=session, storage=platform.storage) == 1
    assert client.head(location, headers=headers).status_code == 404
    assert platform.storage.list(f"uploads/{upload_id}/") == []
    video = client.get(f"/api/v1/videos/{created.headers['Video-Id']}", headers=headers)
    assert video.status_code == 404


def test_the_sweep_task_expires_uploads(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    location = new_upload(10).headers["Location"]
    upload_id = location.rsplit("/", 1)[1]
    with platform.session() as session:
        upload = session.get(Upload, upload_id)
        assert upload is not None
        upload.expires_at = utcnow() - timedelta(seconds=1)
        session.add(upload)
        session.commit()
    result = platform.celery.tasks["socialflow.media.sweep"].apply().get()
    assert result["expired_uploads"] == 1
    assert client.head(location, headers=headers).status_code == 404


# ------------------------------------------------- concurrency and restarts


def test_concurrent_patches_never_corrupt_an_upload(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
    live_server: str,
) -> None:
    location = new_upload(200_000).headers["Location"]
    started, raced = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield b"A" * 50_000
        started.set()
        raced.wait(30)  # hold the upload until the racing PATCH has its answer
        yield b"A" * 50_000

    results: dict[str, int] = {}

    def slow_patch() -> None:
        with httpx.Client(timeout=30) as other:
            results["slow"] = patch(other, location, headers, 0, slow_body()).status_code  # type: ignore[arg-type]

    thread = threading.Thread(target=slow_patch)
    thread.start()
    assert started.wait(10)
    upload_id = location.rsplit("/", 1)[1]

    def slow_patch_holds_the_lock() -> bool:
        with platform.session() as session:
            upload = session.get(Upload, upload_id)
            return upload is not None and upload.lock_token is not None

    wait_until(slow_patch_holds_the_lock)
    racing = patch(client, location, headers, 0, b"B" * 100_000)
    raced.set()
    thread.join(30)
    assert racing.status_code == 423  # the slow one held the lock the whole time
    assert results["slow"] == 204
    head = client.head(location, headers=headers)
    assert head.headers["Upload-Offset"] == "100000"
    keys = platform.storage.list(f"uploads/{upload_id}/")
    assert len(keys) == 1
    assert platform.storage.get(keys[0]) == b"A" * 100_000


def test_an_upload_survives_a_server_restart(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    platform: Any,
) -> None:
    location = new_upload(10).headers["Location"]
    assert patch(client, location, headers, 0, b"hello").status_code == 204
    upload_path = location.split("/api/v1", 1)[1]
    # A brand-new platform and server process state, same settings (database + storage).
    fresh = Platform(platform.settings).start()
    try:
        with run_server(create_app(platform=fresh)) as url, httpx.Client(base_url=url) as other:
            head = other.head(f"/api/v1{upload_path}", headers=headers)
            assert head.headers["Upload-Offset"] == "5"
            done = patch(other, f"/api/v1{upload_path}", headers, 5, b"world")
            assert done.headers["Upload-Offset"] == "10"
    finally:
        fresh.stop()


def test_cors_preflight_and_exposed_headers_for_tus_js_client(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    origin = {"Origin": "https://app.example"}
    preflight = client.options(
        BASE,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,tus-resumable,upload-length",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    created = create_upload(client, {**headers, **origin}, 10)
    exposed = {
        h.strip().lower() for h in created.headers["access-control-expose-headers"].split(",")
    }
    assert {"location", "upload-offset", "upload-length", "tus-resumable", "video-id"} <= exposed


def test_x_http_method_override(
    client: httpx.Client, headers: dict[str, str], new_upload: Callable[..., httpx.Response]
) -> None:
    location = new_upload(10).headers["Location"]
    patched = client.post(
        location,
        content=b"hello",
        headers={
            **headers,
            "X-HTTP-Method-Override": "PATCH",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert patched.status_code == 204
    assert patched.headers["Upload-Offset"] == "5"
    assert client.post(location, headers=headers).status_code == 405
    deleted = client.post(location, headers={**headers, "X-HTTP-Method-Override": "DELETE"})
    assert deleted.status_code == 204
    assert client.head(location, headers=headers).status_code == 404


def test_a_patch_cut_off_midway_keeps_what_arrived(
    client: httpx.Client,
    headers: dict[str, str],
    new_upload: Callable[..., httpx.Response],
    live_server: str,
) -> None:
    """The phone loses its network mid-PATCH: the server keeps the bytes it got."""
    import socket
    from urllib.parse import urlsplit

    location = new_upload(100_000).headers["Location"]
    parts = urlsplit(location)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(head.encode() + b"x" * 40_000)
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    offset = "0"
    while time.monotonic() < deadline:
        offset = client.head(location, headers=headers).headers["Upload-Offset"]
        if offset != "0":
            break
        time.sleep(0.1)
    assert offset == "40000"
    resumed = patch(client, location, headers, 40_000, b"y" * 60_000)
    assert resumed.status_code == 204
    assert resumed.headers["Upload-Offset"] == "100000"
