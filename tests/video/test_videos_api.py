"""The video resource, listing, playback playlists, the media route and views."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from socialflow.cli import build_cli
from socialflow.video.models import Video
from tests.video.conftest import TUS, create_upload, patch, wait_for_status

pytestmark = pytest.mark.ffmpeg


def upload_clip(
    client: httpx.Client, headers: dict[str, str], clip: Path, visibility: str = "public"
) -> dict[str, Any]:
    body = clip.read_bytes()
    metadata = "filename Y2xpcC5tcDQ=,visibility " + base64.b64encode(visibility.encode()).decode()
    created = create_upload(client, headers, len(body), metadata)
    assert created.status_code == 201
    assert patch(client, created.headers["Location"], headers, 0, body).status_code == 204
    return wait_for_status(client, created.headers["Video-Id"], headers)


@pytest.fixture
def other_headers(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> dict[str, str]:
    return {**auth_headers(make_user("viewer")), **TUS}


def test_video_shape_and_master_playlist(
    client: httpx.Client, headers: dict[str, str], clip: Path
) -> None:
    video = upload_clip(client, headers, clip)
    for field in (
        "id",
        "status",
        "progress",
        "failure_reason",
        "duration",
        "width",
        "height",
        "renditions",
        "master_url",
        "thumbnail_url",
        "storyboard_url",
        "view_count",
    ):
        assert field in video
    assert (video["width"], video["height"]) == (640, 360)
    for rendition in video["renditions"]:
        assert {"height", "bandwidth", "playlist_url"} <= set(rendition)
    master = client.get(f"/api/v1/videos/{video['id']}/master.m3u8")
    assert master.status_code == 200
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    lines = master.text.splitlines()
    assert lines[0] == "#EXTM3U"
    stream_infs = [line for line in lines if line.startswith("#EXT-X-STREAM-INF")]
    assert len(stream_infs) == 2
    for line in stream_infs:
        assert "BANDWIDTH=" in line
        assert "RESOLUTION=" in line
        assert 'CODECS="avc1.' in line
    assert "RESOLUTION=426x240" in master.text
    assert "RESOLUTION=640x360" in master.text
    media = client.get(video["renditions"][0]["playlist_url"])
    assert media.status_code == 200
    segments = [line for line in media.text.splitlines() if line and not line.startswith("#")]
    assert segments
    assert all("/api/v1/media/videos/" in s and "sig=" in s for s in segments)
    assert "#EXTINF" in media.text
    assert "#EXT-X-ENDLIST" in media.text
    segment = client.get(segments[0])
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.content[0] == 0x47  # MPEG-TS sync byte


def test_storyboard_sprite_matches_its_layout(
    client: httpx.Client, headers: dict[str, str], clip: Path
) -> None:
    from PIL import Image

    video = upload_clip(client, headers, clip)
    layout = video["storyboard"]
    sprite = client.get(video["storyboard_url"])
    assert sprite.headers["content-type"] == "image/jpeg"
    import io

    image = Image.open(io.BytesIO(sprite.content))
    assert image.size == (
        layout["columns"] * layout["tile_width"],
        layout["rows"] * layout["tile_height"],
    )
    assert layout["count"] == 3  # 2.5 s at one tile per second


def test_unready_and_private_videos_of_others_are_404(
    client: httpx.Client, headers: dict[str, str], other_headers: dict[str, str], clip: Path
) -> None:
    created = create_upload(client, headers, 100)
    unready = created.headers["Video-Id"]
    assert client.get(f"/api/v1/videos/{unready}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/videos/{unready}", headers=other_headers).status_code == 404
    assert client.get(f"/api/v1/videos/{unready}").status_code == 404
    private = upload_clip(client, headers, clip, visibility="private")
    for who in (other_headers, {}):
        assert client.get(f"/api/v1/videos/{private['id']}", headers=who).status_code == 404
        assert (
            client.get(f"/api/v1/videos/{private['id']}/master.m3u8", headers=who).status_code
            == 404
        )
        assert (
            client.post(f"/api/v1/videos/{private['id']}/views", json={}, headers=who).status_code
            == 404
        )
    # The owner plays it; the signed URLs in the owner's response work for any player.
    assert client.get(private["master_url"]).status_code == 200
    forged = private["master_url"].replace("sig=", "sig=0")
    assert client.get(forged).status_code == 404
    assert client.get(f"/api/v1/videos/{'f' * 32}").status_code == 404


def test_list_mine_is_newest_first_and_paginated(
    client: httpx.Client, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    ids = [create_upload(client, headers, 10).headers["Video-Id"] for _ in range(3)]
    create_upload(client, other_headers, 10)
    first = client.get("/api/v1/videos", params={"mine": "true", "limit": 2}, headers=headers)
    assert first.status_code == 200
    page = first.json()
    assert [v["id"] for v in page["items"]] == ids[::-1][:2]
    assert page["next_cursor"]
    second = client.get(
        "/api/v1/videos",
        params={"mine": "true", "limit": 2, "cursor": page["next_cursor"]},
        headers=headers,
    ).json()
    assert [v["id"] for v in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None
    assert client.get("/api/v1/videos", params={"mine": "true"}).status_code == 401
    # The public list shows only ready public videos: none here.
    assert client.get("/api/v1/videos").json()["items"] == []


def test_views_are_deduplicated_per_viewer_and_watch_time_adds_up(
    client: httpx.Client, headers: dict[str, str], other_headers: dict[str, str], clip: Path
) -> None:
    video = upload_clip(client, headers, clip)
    url = f"/api/v1/videos/{video['id']}/views"
    first = client.post(url, json={"watched_seconds": 1.0}, headers=other_headers).json()
    again = client.post(url, json={"watched_seconds": 1.5}, headers=other_headers).json()
    assert first["counted"] is True
    assert again["counted"] is False
    assert again["view_count"] == 1
    assert again["watch_seconds"] == pytest.approx(2.5)
    anonymous = client.post(url, json={"watched_seconds": 100}).json()
    assert anonymous["counted"] is True
    assert anonymous["view_count"] == 2
    # Watch time is capped at the video's duration per event.
    assert anonymous["watch_seconds"] == pytest.approx(2.5 + video["duration"])
    assert client.post(url, json={"watched_seconds": -1}).status_code == 422
    assert client.post(url, json={"role": "admin"}).status_code == 422
    assert client.get(f"/api/v1/videos/{video['id']}").json()["view_count"] == 2


def test_media_route_signatures_ranges_and_safe_headers(
    client: httpx.Client, platform: Any
) -> None:
    storage = platform.storage
    storage.put("videos/x/poster.jpg", b"\xff\xd8" + bytes(range(256)) * 4)
    storage.put("videos/x/evil.html", b"<script>alert(1)</script>")
    url = storage.signed_url("videos/x/poster.jpg", expires_in=60)
    full = client.get(url)
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.headers["accept-ranges"] == "bytes"
    ranged = client.get(url, headers={"Range": "bytes=2-5"})
    assert ranged.status_code == 206
    assert ranged.content == bytes([0, 1, 2, 3])
    assert ranged.headers["content-range"] == f"bytes 2-5/{len(full.content)}"
    suffix = client.get(url, headers={"Range": "bytes=-3"})
    assert suffix.content == full.content[-3:]
    assert client.get(url, headers={"Range": "bytes=99999-"}).status_code == 416
    html = client.get(storage.signed_url("videos/x/evil.html", expires_in=60))
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"].startswith("attachment")
    assert html.headers["x-content-type-options"] == "nosniff"
    assert client.get(url.replace("poster.jpg", "evil.html")).status_code == 404
    assert client.get(url.replace("sig=", "sig=1")).status_code == 404
    expired = storage.signed_url("videos/x/poster.jpg", expires_in=-1)
    assert client.get(expired).status_code == 404
    assert client.get("/api/v1/media/videos/x/poster.jpg").status_code == 404


def test_cli_reprocess_swaps_to_a_new_set_of_renditions(
    client: httpx.Client, headers: dict[str, str], clip: Path, platform: Any, monkeypatch: Any
) -> None:
    video = upload_clip(client, headers, clip)
    with platform.session() as session:
        old_prefix = session.get(Video, video["id"]).hls_prefix  # type: ignore[union-attr]
    monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(platform.settings.project_dir))
    result = CliRunner().invoke(
        build_cli(with_plugins=False), ["videos", "reprocess", video["id"], "--inline"]
    )
    assert result.exit_code == 0, result.output
    assert "ready: 2 renditions" in result.output
    with platform.session() as session:
        row = session.get(Video, video["id"])
        assert row is not None
        assert row.status == "ready"
        assert row.hls_prefix != old_prefix
    assert platform.storage.list(old_prefix) == []
    listed = CliRunner().invoke(build_cli(with_plugins=False), ["videos", "list"])
    assert listed.exit_code == 0
    assert video["id"][:8] in listed.output
    missing = CliRunner().invoke(build_cli(with_plugins=False), ["videos", "reprocess", "nope"])
    assert missing.exit_code == 1
