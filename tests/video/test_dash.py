"""CMAF packaging: one encode, an HLS master and a DASH manifest over the same segments.

Real ffmpeg on a tiny clip (1.5 s, 320x180 -> one 180p rendition plus the
audio track), played over real HTTP by ffprobe and decoded by ffmpeg from
both manifests; the HLS-only default keeps MPEG-TS and has no manifest.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.testing.services import require_binary
from socialflow.testing.video import ffprobe_over_http, make_clip, upload_in_pieces
from socialflow.video.media.dash import parse_media_playlist
from socialflow.video.media.pipeline import transcode
from socialflow.video.media.probe import probe
from socialflow.video.media.safety import Limits
from socialflow.video.models import Video
from tests.video.conftest import wait_for_status

pytestmark = pytest.mark.ffmpeg
CMAF = {"plugin": {"video": {"packaging": "cmaf", "thumbnail_candidates": 3}}}


def decode_frames(url: str, frames: int = 5) -> None:
    """ffmpeg decodes ``frames`` video frames and the audio from ``url`` over HTTP."""
    ffmpeg = require_binary("ffmpeg")
    done = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-i",
            url,
            "-map",
            "0:v:0",
            "-map",
            "0:a:0",
            "-frames:v",
            str(frames),
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


@pytest.fixture
def small_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "small.mp4", seconds=1.5, size="320x180")


def test_cmaf_transcode_is_one_pass_with_progress_storyboard_and_thumbnails(
    tmp_path: Path, small_clip: Path
) -> None:
    limits = Limits(timeout=120, memory_bytes=2**31)
    source = probe(small_clip, limits=limits, max_duration=3600, max_pixels=10**8)
    reports: list[float] = []
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = transcode(
        small_clip,
        out_dir,
        source,
        limits=limits,
        max_height=1080,
        segment_seconds=2,
        preset="ultrafast",
        on_progress=reports.append,
        packaging="cmaf",
        thumbnails=3,
    )
    assert reports
    assert reports[-1] == 1.0
    assert [r.name for r in result.renditions] == ["180p"]
    assert result.audio is not None
    assert result.audio.codecs == "mp4a.40.2"
    assert result.thumbnails == ["thumbnails/0.jpg", "thumbnails/1.jpg", "thumbnails/2.jpg"]
    assert (out_dir / "storyboard.jpg").is_file()
    for track in ("180p", "audio"):
        playlist = parse_media_playlist((out_dir / track / "index.m3u8").read_text())
        assert playlist.init is not None
        assert (out_dir / track / playlist.init).is_file()
        assert playlist.segments
        assert all(n.endswith(".m4s") for n, _ in playlist.segments)
        assert abs(sum(d for _, d in playlist.segments) - 1.5) < 0.2
    assert not list(out_dir.rglob("*.ts"))


class TestCmafVideo:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        return {**CMAF, "hls_segment_seconds": 2, "media_preset": "ultrafast"}

    def test_hls_master_and_dash_manifest_from_one_encode_both_play(
        self,
        live_server: str,
        client: httpx.Client,
        headers: dict[str, str],
        small_clip: Path,
        platform: Any,
    ) -> None:
        sizes = [small_clip.stat().st_size]
        video_id = upload_in_pieces(client, headers, small_clip.read_bytes(), sizes)
        video = wait_for_status(client, video_id, headers)
        assert video["status"] == "ready", video
        assert video["dash_url"]
        assert video["master_url"]
        assert len(video["thumbnail_candidates"]) == 3

        mpd = httpx.get(video["dash_url"], timeout=30)
        assert mpd.status_code == 200, mpd.text
        assert mpd.headers["content-type"].startswith("application/dash+xml")
        master = httpx.get(video["master_url"], timeout=30).text
        assert 'TYPE=AUDIO,GROUP-ID="audio"' in master
        assert "#EXT-X-VERSION:7" in master

        for url in (video["dash_url"], video["master_url"]):
            data = ffprobe_over_http(url)
            kinds = sorted(s["codec_type"] for s in data["streams"])
            assert kinds == ["audio", "video"], kinds
            assert abs(float(data["format"]["duration"]) - 1.5) <= 0.5
            decode_frames(url)

        # One set of segments: every segment the MPD lists is one the HLS playlists list.
        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            assert row.packaging == "cmaf"
            prefix = row.hls_prefix
        stored = {k for k in platform.storage.list(prefix) if k.endswith(".m4s")}
        assert stored
        assert not [k for k in platform.storage.list(prefix) if k.endswith(".ts")]
        for key in stored:
            assert key.rsplit("/", 1)[-1] in mpd.text

    def test_the_manifest_needs_a_signature_or_the_right_to_view(
        self,
        live_server: str,
        client: httpx.Client,
        headers: dict[str, str],
        small_clip: Path,
    ) -> None:
        video_id = upload_in_pieces(
            client, headers, small_clip.read_bytes(), [small_clip.stat().st_size]
        )
        video = wait_for_status(client, video_id, headers)
        changed = client.patch(
            f"/api/v1/videos/{video_id}", headers=headers, json={"visibility": "private"}
        )
        assert changed.status_code == 200, changed.text
        unsigned = video["dash_url"].split("?", 1)[0]
        assert httpx.get(unsigned, timeout=30).status_code == 404
        tampered = video["dash_url"][:-4] + "0000"
        answer = httpx.get(tampered, timeout=30)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert client.get(unsigned, headers=headers).status_code == 200  # the owner


def test_hls_packaging_by_default_has_no_dash_manifest(
    live_server: str, client: httpx.Client, headers: dict[str, str], small_clip: Path
) -> None:
    video_id = upload_in_pieces(
        client, headers, small_clip.read_bytes(), [small_clip.stat().st_size]
    )
    video = wait_for_status(client, video_id, headers)
    assert video["status"] == "ready", video
    assert video["dash_url"] is None
    answer = client.get(f"/api/v1/videos/{video_id}/manifest.mpd", headers=headers)
    assert answer.status_code == 404
    assert answer.json()["type"].endswith("dash-not-available")
    assert ffprobe_over_http(video["master_url"])["streams"]
