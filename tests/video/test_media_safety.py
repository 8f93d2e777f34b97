"""Hostile uploads: playlists and concat scripts pointing at a canary file and a
canary HTTP server, a ``concat:`` input, a playlist disguised as an MP4, and a
real video carrying an embedded playlist. ffprobe/ffmpeg must touch no canary;
every hostile job ends ``failed`` with a reason."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.services import require_binary
from socialflow.video.media.probe import probe_command
from socialflow.video.media.safety import (
    Limits,
    MediaRejected,
    MediaToolFailed,
    check_format_name,
    run,
)
from tests.video.conftest import create_upload, make_clip, patch, wait_for_status

pytestmark = pytest.mark.ffmpeg


class Canaries:
    """A FIFO that notices being opened, and an HTTP server that notices any request."""

    def __init__(self, folder: Path) -> None:
        self.fifo = folder / "canary.ts"  # an extension the hls demuxer would accept
        os.mkfifo(self.fifo)
        self.file_opened = threading.Event()
        self.http_hits: list[str] = []
        hits = self.http_hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"#EXTM3U\n")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._watch_fifo, daemon=True).start()

    def _watch_fifo(self) -> None:
        # Opening a FIFO for writing blocks until somebody opens it for reading.
        try:
            with open(self.fifo, "wb") as writer:
                if not self._closing:
                    self.file_opened.set()
                writer.write(b"SECRET\n")
        except BrokenPipeError:
            pass

    _closing = False

    def close(self) -> None:
        self._closing = True
        # Release the watcher if nobody opened the FIFO.
        fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        self.server.shutdown()

    def assert_untouched(self) -> None:
        assert not self.file_opened.is_set(), "the canary file was opened"
        assert self.http_hits == [], f"the canary server was reached: {self.http_hits}"


@pytest.fixture
def canaries(tmp_path: Path) -> Iterator[Canaries]:
    require_binary("ffprobe")
    watch = Canaries(tmp_path)
    yield watch
    watch.close()


def hostile_playlist(canaries: Canaries) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"
        f'#EXT-X-KEY:METHOD=AES-128,URI="{canaries.url}/key"\n'
        f"#EXTINF:4.0,\nfile://{canaries.fifo}\n"
        f"#EXTINF:4.0,\n{canaries.url}/segment.ts\n"
        f"#EXTINF:4.0,\n{canaries.fifo}\n#EXT-X-ENDLIST\n"
    ).encode()


def upload_bytes(
    client: httpx.Client, headers: dict[str, str], body: bytes, metadata: str | None = None
) -> str:
    created = create_upload(client, headers, len(body), metadata)
    assert created.status_code == 201, created.text
    done = patch(client, created.headers["Location"], headers, 0, body)
    assert done.status_code == 204, done.text
    return created.headers["Video-Id"]


def assert_failed_cleanly(client: httpx.Client, headers: dict[str, str], video_id: str) -> str:
    video = wait_for_status(client, video_id, headers)
    assert video["status"] == "failed", video
    assert video["failure_reason"]
    assert video["renditions"] == []
    assert video["master_url"] is None
    return str(video["failure_reason"])


def test_control_an_unguarded_ffprobe_does_reach_the_canaries(
    canaries: Canaries, tmp_path: Path
) -> None:
    """Proves the canaries detect access: without our options, ffprobe follows the playlist."""
    ffprobe = require_binary("ffprobe")
    playlist = tmp_path / "p.m3u8"
    playlist.write_bytes(hostile_playlist(canaries))
    process = subprocess.Popen(
        [ffprobe, "-v", "quiet", "-protocol_whitelist", "file,http,tcp,crypto", str(playlist)],
        stdin=subprocess.DEVNULL,
    )
    try:
        canaries.file_opened.wait(10)
    finally:
        process.kill()
        process.wait()
    assert canaries.file_opened.is_set() or canaries.http_hits


def test_hls_playlist_with_file_and_http_entries(
    client: httpx.Client, headers: dict[str, str], canaries: Canaries
) -> None:
    video_id = upload_bytes(client, headers, hostile_playlist(canaries), "filename cC5tM3U4")
    reason = assert_failed_cleanly(client, headers, video_id)
    assert "canary" not in reason
    canaries.assert_untouched()


def test_playlist_disguised_as_mp4(
    client: httpx.Client, headers: dict[str, str], canaries: Canaries
) -> None:
    # filename "movie.mp4", filetype "video/mp4": names and types prove nothing.
    metadata = "filename bW92aWUubXA0,filetype dmlkZW8vbXA0"
    video_id = upload_bytes(client, headers, hostile_playlist(canaries), metadata)
    assert_failed_cleanly(client, headers, video_id)
    canaries.assert_untouched()


def test_ffconcat_script(client: httpx.Client, headers: dict[str, str], canaries: Canaries) -> None:
    script = (
        f"ffconcat version 1.0\nfile 'file:{canaries.fifo}'\nfile '{canaries.url}/x.mp4'\n"
    ).encode()
    video_id = upload_bytes(client, headers, script)
    assert_failed_cleanly(client, headers, video_id)
    canaries.assert_untouched()


def test_concat_protocol_input_is_refused(canaries: Canaries, tmp_path: Path) -> None:
    """Were a ``concat:`` URL ever to reach the command line, the protocol whitelist stops it."""
    command = probe_command(tmp_path / "unused")
    command[-1] = f"concat:{canaries.fifo}|{canaries.fifo}"
    with pytest.raises(MediaToolFailed):
        run(command, Limits(timeout=20, memory_bytes=1024**3))
    canaries.assert_untouched()


def test_media_file_with_an_embedded_playlist(
    client: httpx.Client, headers: dict[str, str], canaries: Canaries, tmp_path: Path
) -> None:
    """A genuine video (Matroska) that carries the hostile playlist as an attachment
    and appended after its last cluster: it may play, but nothing inside is followed."""
    ffmpeg = require_binary("ffmpeg")
    clip = make_clip(tmp_path / "clip.mp4", seconds=1, size="320x240")
    playlist = tmp_path / "evil.m3u8"
    playlist.write_bytes(hostile_playlist(canaries))
    mkv = tmp_path / "evil.mkv"
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(clip),
            "-c",
            "copy",
            "-attach",
            str(playlist),
            "-metadata:s:t",
            "mimetype=application/vnd.apple.mpegurl",
            str(mkv),
        ],
        check=True,
        timeout=60,
    )
    body = mkv.read_bytes() + hostile_playlist(canaries)
    video_id = upload_bytes(client, headers, body, "filename ZXZpbC5ta3Y=")
    video = wait_for_status(client, video_id, headers)
    assert video["status"] in ("ready", "failed"), video
    if video["status"] == "failed":
        assert video["failure_reason"]
    canaries.assert_untouched()


def test_non_video_and_over_long_uploads_fail_with_reasons(
    client: httpx.Client, headers: dict[str, str], tmp_path: Path, platform: Any
) -> None:
    video_id = upload_bytes(client, headers, b"just some text, not a video\n" * 10)
    assert assert_failed_cleanly(client, headers, video_id)
    ffmpeg = require_binary("ffmpeg")
    audio = tmp_path / "tone.m4a"
    subprocess.run(
        [ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", str(audio)],
        check=True,
        timeout=60,
    )
    video_id = upload_bytes(client, headers, audio.read_bytes())
    assert "no video stream" in assert_failed_cleanly(client, headers, video_id)
    platform.settings.video_max_duration = 1.0
    long_clip = make_clip(tmp_path / "long.mp4", seconds=2, size="320x240")
    video_id = upload_bytes(client, headers, long_clip.read_bytes())
    assert "limit is 1 s" in assert_failed_cleanly(client, headers, video_id)


@pytest.mark.parametrize("name", ["hls", "concat", "ffconcat", "image2", "hls,applehttp", ""])
def test_format_allow_list_refuses_reference_following_demuxers(name: str) -> None:
    with pytest.raises(MediaRejected):
        check_format_name(name)


def test_probe_without_ffprobe_falls_back_to_ffmpeg(
    clip: Path, tmp_path: Path, canaries: Canaries, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only an ffmpeg binary (the imageio-ffmpeg case), probing still works, safely."""
    from socialflow.video.media import probe as probe_module

    limits = Limits(timeout=20, memory_bytes=1024**3)
    expected = probe_module.probe(clip, limits=limits, max_duration=60, max_pixels=10**7)
    monkeypatch.setattr(probe_module, "find_ffprobe", lambda: None)
    fallback = probe_module.probe(clip, limits=limits, max_duration=60, max_pixels=10**7)
    assert (fallback.width, fallback.height) == (expected.width, expected.height)
    assert fallback.has_audio is expected.has_audio is True
    assert abs(fallback.duration - expected.duration) < 0.05
    assert fallback.format_name == expected.format_name
    playlist = tmp_path / "p.m3u8"
    playlist.write_bytes(hostile_playlist(canaries))
    with pytest.raises(MediaRejected):
        probe_module.probe(playlist, limits=limits, max_duration=60, max_pixels=10**7)
    canaries.assert_untouched()
