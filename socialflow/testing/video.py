"""The video pipeline end to end, for core tests and storage plugin authors.

Helpers (one implementation for ``tests/video`` and every plugin):

* :func:`make_clip`: a short real H.264/AAC clip from ffmpeg's test sources;
* :func:`upload_with_interruption`: a tuspy upload cut off midway and resumed
  by a new uploader from the offset the server reports (``HEAD``);
* :func:`wait_for_status`: poll the video until it is ``ready`` or ``failed``;
* :func:`ffprobe_over_http` / :func:`assert_playable`: ffprobe reads the
  master playlist, each rendition's playlist and the segments over real HTTP,
  exactly as a player would (segments come from the storage backend's
  ``signed_url``, so for a cloud backend straight from its endpoint);
* :func:`assert_one_set_of_outputs`: one HLS attempt in storage, the composed
  source byte-identical to the upload, no upload chunks left.

:class:`VideoEndToEnd` is the suite a storage plugin subclasses in its own
tests: provide the ``storage_settings`` fixture (``{"storage": "s3",
"plugin": {"s3": {...}}}``, pointing at the emulator the test session
started) and the suite uploads, transcodes and plays a clip through a real
uvicorn server with that backend as the active storage::

    class TestS3Video(VideoEndToEnd):
        @pytest.fixture
        def storage_settings(self, s3_endpoint, s3_bucket):
            return {"storage": "s3", "plugin": {"s3": {...}}}

Needs the ``ffmpeg`` and ``ffprobe`` binaries and ``tuspy`` (``socialflow[test]``).

Long because the helpers and :class:`VideoEndToEnd` are one public import for
plugin authors (``socialflow.testing.video``), and the suite's steps are those
helpers.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from socialflow.plugins.protocols import StorageBackend
from socialflow.testing.processes import background_service
from socialflow.testing.server import free_port, run_server
from socialflow.testing.services import require_binary, skip_or_fail

TUS = {"Tus-Resumable": "1.0.0"}
MIB = 1024 * 1024


def make_clip(
    path: Path, *, seconds: float = 2.5, size: str = "640x360", audio: bool = True
) -> Path:
    """A real H.264/AAC clip from ffmpeg's test sources (yuv420p: x264's main profile)."""
    ffmpeg = require_binary("ffmpeg")
    args = [ffmpeg, "-y", "-hide_banner", "-loglevel", "error"]
    args += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, str(path)], check=True, timeout=60)
    return path


def wait_for_status(
    client: httpx.Client,
    video_id: str,
    headers: dict[str, str],
    statuses: tuple[str, ...] = ("ready", "failed"),
    timeout: float = 90,
) -> dict[str, Any]:
    """Poll ``GET /api/v1/videos/{id}`` until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/videos/{video_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in statuses:
            return body
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} stayed {body.get('status')}: {body}")


def tus_client(live_server: str, headers: dict[str, str]) -> Any:
    """A tuspy client for the app's tus endpoint (tuspy adds ``Tus-Resumable`` itself)."""
    try:
        from tusclient import client as tus
    except ImportError:  # pragma: no cover - depends on the environment
        skip_or_fail("tuspy is not installed: pip install 'socialflow[test]'")
        raise
    auth = {k: v for k, v in headers.items() if k != "Tus-Resumable"}
    return tus.TusClient(f"{live_server}/api/v1/uploads/", headers=auth)


def upload_with_interruption(
    live_server: str,
    client: httpx.Client,
    headers: dict[str, str],
    path: Path,
    *,
    chunk_size: int = 32 * 1024,
    resume_chunk_size: int = 64 * 1024,
) -> str:
    """Upload half with one uploader, drop it, resume from the server's offset with a new one.

    Returns the video id. Checks on the way that the server reports a partial
    offset and the video is ``uploading`` while the upload is unfinished.
    """
    from tusclient.uploader.uploader import Uploader

    size = path.stat().st_size
    tus = tus_client(live_server, headers)
    first = tus.uploader(
        str(path), chunk_size=chunk_size, metadata={"filename": path.name}, upload_checksum=True
    )
    first.upload(stop_at=size // 2)
    url = first.url
    assert url is not None
    del first  # the "phone" lost its connection; only the URL survives

    head = client.head(url, headers={**headers, **TUS})
    assert head.status_code == 200, head.text
    server_offset = int(head.headers["Upload-Offset"])
    assert 0 < server_offset < size
    video_id = str(head.headers["Video-Id"])
    video = client.get(f"/api/v1/videos/{video_id}", headers=headers).json()
    assert video["status"] == "uploading", video

    resumed = Uploader(
        str(path), client=tus, url=url, chunk_size=resume_chunk_size, upload_checksum=True
    )
    assert resumed.offset == server_offset  # tuspy asked the server where to resume
    resumed.upload()
    return video_id


def ffprobe_over_http(url: str) -> dict[str, Any]:
    """ffprobe's view of a URL (streams and format), fetched over HTTP like a player."""
    ffprobe = require_binary("ffprobe")
    done = subprocess.run(
        [ffprobe, "-v", "error", "-of", "json", "-show_streams", "-show_format", url],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise AssertionError(f"ffprobe could not play {url}: {done.stderr.decode()[-2000:]}")
    return dict(json.loads(done.stdout))


def assert_playable(
    video: dict[str, Any], source_duration: float, heights: tuple[int, ...] = (240, 360)
) -> None:
    """The video is ready and its HLS plays over HTTP: renditions, sizes, audio, duration."""
    assert video["status"] == "ready", video
    assert video["progress"] == 100
    assert len(video["renditions"]) >= 2
    assert {r["height"] for r in video["renditions"]} == set(heights)
    data = ffprobe_over_http(video["master_url"])
    found = sorted(s["height"] for s in data["streams"] if s.get("codec_type") == "video")
    assert found == sorted(heights)
    assert any(s.get("codec_name") == "aac" for s in data["streams"])
    assert abs(float(data["format"]["duration"]) - source_duration) <= 0.5
    for rendition in video["renditions"]:
        single = ffprobe_over_http(rendition["playlist_url"])
        sizes = [
            (s["width"], s["height"]) for s in single["streams"] if s.get("codec_type") == "video"
        ]
        assert sizes == [(rendition["width"], rendition["height"])]


def sha256_of_object(storage: StorageBackend, key: str) -> str:
    digest = hashlib.sha256()
    for piece in storage.open(key):
        digest.update(piece)
    return digest.hexdigest()


def assert_one_set_of_outputs(platform: Any, video_id: str, source: Path) -> None:
    """One HLS attempt in storage; the source composed byte for byte; chunks deleted."""
    from socialflow.video.models import Video

    storage = platform.storage
    with platform.session() as session:
        video = session.get(Video, video_id)
        assert video is not None
        prefix, key = video.hls_prefix, video.source_key
    attempts = {k.split("/")[3] for k in storage.list(f"videos/{video_id}/hls/")}
    assert len(attempts) == 1, attempts
    assert prefix == f"videos/{video_id}/hls/{attempts.pop()}/"
    assert key is not None
    assert sha256_of_object(storage, key) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert storage.list("uploads/") == []  # chunks composed into the source, then deleted


def assert_segments_come_from_storage(platform: Any, video_id: str, video: dict[str, Any]) -> None:
    """Each rendition's playlist points its segments at the backend's signed URLs.

    Same host and path as ``storage.signed_url`` of the stored segment (the
    query, i.e. signature and expiry, differs with time): for a cloud backend,
    segment bytes never pass through the API.
    """
    from socialflow.video.media.hls import segment_names
    from socialflow.video.models import Video

    storage = platform.storage
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        assert row.hls_prefix is not None
        prefix = row.hls_prefix
    for rendition in video["renditions"]:
        served = httpx.get(rendition["playlist_url"], timeout=30)
        assert served.status_code == 200, served.text
        uris = segment_names(served.text)
        folder = f"{prefix}{rendition['name']}/"
        stored = segment_names(storage.get(folder + "index.m3u8").decode())
        assert uris
        assert len(uris) == len(stored)
        for uri, name in zip(uris, stored, strict=True):
            expected = urlsplit(storage.signed_url(folder + name, expires_in=600))
            assert urlsplit(uri)[:3] == expected[:3], (uri, expected)


def upload_in_pieces(
    client: httpx.Client, headers: dict[str, str], data: bytes, sizes: list[int]
) -> str:
    """A raw tus upload of ``data`` as PATCHes of the given sizes; returns the video id."""
    assert sum(sizes) == len(data)
    created = client.post(
        "/api/v1/uploads/", headers={**headers, **TUS, "Upload-Length": str(len(data))}
    )
    assert created.status_code == 201, created.text
    url, video_id = created.headers["Location"], created.headers["Video-Id"]
    offset = 0
    for size in sizes:
        answer = client.patch(
            url,
            content=data[offset : offset + size],
            headers={
                **headers,
                **TUS,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert answer.status_code == 204, answer.text
        offset += size
        assert int(answer.headers["Upload-Offset"]) == offset
    return str(video_id)


def switch_new_project(project: Path, storage_settings: dict[str, Any], public_url: str) -> None:
    """Edit a project made by ``socialflow new`` as an operator would.

    ``storage = "<name>"`` replaces ``"local"``, ``public_url`` is set, and each
    ``plugin`` section is appended as ``[plugin.<name>]`` (scalar values).
    """
    settings_file = project / "socialflow.toml"
    text = settings_file.read_text()
    assert 'storage = "local"' in text, text
    storage = storage_settings.get("storage", "local")
    text = text.replace('storage = "local"', f"storage = {json.dumps(storage)}")
    lines = [line for line in text.splitlines() if not line.startswith("public_url")]
    lines.insert(0, f"public_url = {json.dumps(public_url)}")
    for name, section in storage_settings.get("plugin", {}).items():
        lines.append(f"\n[plugin.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in section.items()]
    settings_file.write_text("\n".join(lines) + "\n")


def _cli_env() -> dict[str, str]:
    """The environment without SOCIALFLOW_* variables: the project file decides."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}


def sign_up(client: httpx.Client, username: str) -> dict[str, str]:
    """Register and log in over HTTP; returns the ``Authorization`` header."""
    password = uuid.uuid4().hex
    registered = client.post(
        "/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert registered.status_code == 201, registered.text
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": username, "password": password}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


class VideoEndToEnd:
    """Upload -> transcode -> HLS playback over HTTP with the active storage of the settings.

    Subclass in a storage plugin's tests and provide ``storage_settings``.
    Tasks run as the test backend runs them (eagerly, or on the session's
    worker); the app runs on a real uvicorn server whose port matches
    ``public_url``, so the app's signed playlist URLs resolve, and segment URLs
    are whatever the backend signs.
    """

    clip_seconds: float = 2.5
    clip_size: str = "640x360"
    expected_heights: tuple[int, ...] = (240, 360)

    @pytest.fixture
    def storage_settings(self) -> dict[str, Any]:
        """Settings that select the storage under test (``storage`` + its plugin section)."""
        return {}

    @pytest.fixture
    def server_port(self) -> int:
        return free_port()

    @pytest.fixture
    def socialflow_overrides(
        self, server_port: int, storage_settings: dict[str, Any]
    ) -> dict[str, Any]:
        # The app's signed URLs are absolute (settings.public_url): make them point here.
        return {
            "public_url": f"http://127.0.0.1:{server_port}",
            **storage_settings,
        }

    @pytest.fixture
    def live_server(self, app: Any, server_port: int) -> Iterator[str]:
        with run_server(app, port=server_port) as url:
            yield url

    @pytest.fixture
    def video_headers(
        self, make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
    ) -> dict[str, str]:
        return {**auth_headers(make_user("uploader")), **TUS}

    @pytest.fixture
    def video_clip(self, tmp_path: Path) -> Path:
        require_binary("ffprobe")
        return make_clip(tmp_path / "clip.mp4", seconds=self.clip_seconds, size=self.clip_size)

    def test_upload_resume_transcode_and_play(
        self,
        live_server: str,
        client: httpx.Client,
        video_headers: dict[str, str],
        video_clip: Path,
        platform: Any,
        storage_settings: dict[str, Any],
    ) -> None:
        if storage_settings.get("storage"):
            assert platform.storage.name == storage_settings["storage"]
        video_id = upload_with_interruption(live_server, client, video_headers, video_clip)
        video = wait_for_status(client, video_id, video_headers)
        assert_playable(video, self.clip_seconds, self.expected_heights)
        assert_segments_come_from_storage(platform, video_id, video)
        assert_one_set_of_outputs(platform, video_id, video_clip)
        poster = httpx.get(video["thumbnail_url"], timeout=30)
        assert poster.status_code == 200
        assert poster.headers["content-type"] == "image/jpeg"
        assert poster.content[:2] == b"\xff\xd8"

    @pytest.mark.slow
    def test_a_new_project_switched_to_this_storage_plays(
        self, tmp_path: Path, storage_settings: dict[str, Any], video_clip: Path
    ) -> None:
        """``socialflow new``, switch ``storage`` in its settings, ``socialflow serve``.

        The operator's path with nothing from the test fixtures: the project's
        own embedded database and broker, the server's embedded worker doing
        the transcode, a user signed up over HTTP.
        """
        project = tmp_path / "site"
        created = subprocess.run(
            [sys.executable, "-m", "socialflow", "new", str(project)],
            capture_output=True,
            text=True,
            timeout=120,
            env=_cli_env(),
            check=False,
        )
        assert created.returncode == 0, created.stdout + created.stderr
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        switch_new_project(project, storage_settings, base)
        # background_service adds os.environ: unset SOCIALFLOW_* (the test run's) with env -u.
        ours = [name for name in os.environ if name.startswith("SOCIALFLOW_")]
        unset = [arg for name in ours for arg in ("-u", name)]
        command = ["env", *unset, sys.executable, "-m", "socialflow", "serve"]
        command += ["--project", str(project), "--port", str(port)]
        log = tmp_path / "serve.log"
        with (
            background_service(command, port=port, log=log, timeout=120),
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            try:
                auth = sign_up(client, "creator")
                video_id = upload_with_interruption(base, client, auth, video_clip)
                video = wait_for_status(client, video_id, auth, timeout=180)
                assert_playable(video, self.clip_seconds, self.expected_heights)
            except AssertionError as exc:
                tail = log.read_text(errors="replace")[-4000:]
                raise AssertionError(f"{exc}\n--- socialflow serve log ---\n{tail}") from exc

    def test_small_chunks_compose_into_parts_the_backend_accepts(
        self,
        live_server: str,
        client: httpx.Client,
        video_headers: dict[str, str],
        platform: Any,
    ) -> None:
        """PATCHes far below S3's 5 MiB part minimum, of uneven sizes, still compose.

        ~11 MiB in 1-3 MiB pieces: the composer must regroup them into parts
        of at least 5 MiB (but the last) for S3, and every backend must join
        them in order. The bytes are not a video, so processing ends in
        ``failed`` after the source was composed; the source must be exact.
        """
        data = os.urandom(11 * MIB + 12345)
        sizes = [MIB, 3 * MIB - 7, 2 * MIB + 7, 1, MIB - 1, 3 * MIB, 1 * MIB + 12345]
        video_id = upload_in_pieces(client, video_headers, data, sizes)
        # Tasks run inline: processing is over when the last PATCH answers.
        video = wait_for_status(client, video_id, video_headers, timeout=20)
        assert video["status"] == "failed", video
        from socialflow.video.models import Video

        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            key, size = row.source_key, row.source_size
        assert key is not None, "the source was never composed"
        assert size == len(data)
        storage = platform.storage
        assert storage.stat(key).size == len(data)
        assert sha256_of_object(storage, key) == hashlib.sha256(data).hexdigest()
        assert storage.list("uploads/") == []
