"""An image the owner uploads as a video's thumbnail (``PUT /videos/{id}/thumbnail``).

Real Pillow images over real HTTP, stored through the platform's storage
backend and served back from its signed URL; the last tests transcode a real
clip with ffmpeg, in HLS and in CMAF packaging, and reprocess it.
"""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from socialflow.testing.video import make_clip, upload_in_pieces
from socialflow.video import reprocess, thumbnails
from socialflow.video import videos as video_service
from socialflow.video.models import Video
from socialflow.video.thumbnails import cover_prefix
from tests.social.conftest import Actor
from tests.video.conftest import ready_video, wait_for_status


def jpeg_with_exif(size: tuple[int, int] = (640, 360)) -> bytes:
    """A JPEG carrying EXIF (a camera make and GPS-like text) and a trailing payload."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x010E] = "home at 48.8566N 2.3522E"  # ImageDescription
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"private comment")
    return out.getvalue() + b"HIDDEN-TRAILER"


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares ten billion pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _put(
    api: Callable[..., httpx.Response], video_id: str, who: Actor | None, data: bytes
) -> httpx.Response:
    files = {"file": ("cover.jpg", data, "image/jpeg")}
    return api("PUT", f"/videos/{video_id}/thumbnail", who, files=files)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_owner_uploads_a_clean_reencoded_thumbnail(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner = actor("owner")
    video_id = ready_video(platform, owner.id, "Covered")
    done = _put(api, video_id, owner, jpeg_with_exif())
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["thumbnail_choice"] is None
    assert "/cover/" in body["thumbnail_url"]

    served = api("GET", body["thumbnail_url"])  # the storage backend's signed URL
    assert served.status_code == 200
    assert b"SecretCam" not in served.content
    assert b"48.8566N" not in served.content
    assert b"private comment" not in served.content
    assert b"HIDDEN-TRAILER" not in served.content
    with Image.open(io.BytesIO(served.content)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (640, 360)
        assert not stored.getexif()
    public = api("GET", f"/videos/{video_id}", None).json()
    assert public["thumbnail_url"].split("?")[0] == body["thumbnail_url"].split("?")[0]

    # A second upload replaces the first, whose object is deleted.
    first = platform.storage.list(cover_prefix(video_id))
    again = _put(api, video_id, owner, jpeg_with_exif((100, 100)))
    assert again.status_code == 200, again.text
    now = platform.storage.list(cover_prefix(video_id))
    assert len(now) == 1
    assert now != first


def test_picking_a_frame_again_replaces_the_uploaded_image(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner = actor("owner")
    video_id = ready_video(platform, owner.id, "Frames")
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        assert row.hls_prefix is not None
        frame = f"{row.hls_prefix}thumbnails/0.jpg"
        platform.storage.put(frame, b"frame")
        row.thumbnail_candidates = [frame]
        session.add(row)
        session.commit()
    assert _put(api, video_id, owner, jpeg_with_exif()).status_code == 200
    assert platform.storage.list(cover_prefix(video_id))
    picked = api("PATCH", f"/videos/{video_id}", owner, json={"thumbnail_choice": 0})
    assert picked.status_code == 200, picked.text
    assert picked.json()["thumbnail_choice"] == 0
    assert "thumbnails/0.jpg" in picked.json()["thumbnail_url"]
    assert platform.storage.list(cover_prefix(video_id)) == []


def test_bad_uploads_are_problems_and_change_nothing(
    api: Callable[..., httpx.Response],
    actor: Callable[..., Actor],
    platform: Any,
    client: httpx.Client,
) -> None:
    owner, other = actor("owner"), actor("other")
    video_id = ready_video(platform, owner.id, "Guarded")
    before = api("GET", f"/videos/{video_id}", owner).json()

    _problem(_put(api, video_id, other, jpeg_with_exif()), 404)  # not the owner: no IDOR
    _problem(_put(api, "v_missing", owner, jpeg_with_exif()), 404)
    assert _put(api, video_id, None, jpeg_with_exif()).status_code == 401
    _problem(_put(api, video_id, owner, b"%PDF-1.7 not an image at all"), 415)
    _problem(_put(api, video_id, owner, b"\x89PNG\r\n\x1a\n" + b"garbage" * 20), 422)
    bomb = _problem(_put(api, video_id, owner, png_bomb()), 422)
    assert bomb["type"].endswith("image-too-many-pixels")
    limit = platform.settings.image_max_bytes
    big = _problem(_put(api, video_id, owner, b"\xff\xd8\xff" + b"\x00" * limit), 413)
    assert big["type"].endswith("thumbnail-too-large")
    raw = client.put(
        f"/api/v1/videos/{video_id}/thumbnail",
        content=jpeg_with_exif(),
        headers={**owner.headers, "content-type": "image/jpeg"},
    )
    _problem(raw, 415)
    _problem(api("PUT", f"/videos/{video_id}/thumbnail", owner, files={"other": b"x"}), 422)

    after = api("GET", f"/videos/{video_id}", owner).json()
    assert after["thumbnail_url"].split("?")[0] == before["thumbnail_url"].split("?")[0]
    assert platform.storage.list(cover_prefix(video_id)) == []


def test_a_video_that_is_not_ready_is_409(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner = actor("owner")
    with platform.session() as session:
        video = Video(owner_id=owner.id, title="Later", status="processing")
        session.add(video)
        session.commit()
        video_id = str(video.id)
    body = _problem(_put(api, video_id, owner, jpeg_with_exif()), 409)
    assert body["type"].endswith("video-not-ready")
    assert platform.storage.list(cover_prefix(video_id)) == []


def _claim_reprocessing(platform: Any, video_id: str) -> tuple[Video, str]:
    """A ready video's reprocessing job, claimed (as reprocess.queue then the worker would)."""
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        row.reprocessing = True
        session.add(row)
        session.commit()
    token = uuid.uuid4().hex
    job = video_service.claim_job(platform.session, platform.settings, video_id, token)
    assert isinstance(job, Video), job
    return job, f"{video_service.hls_root(video_id)}{token}/"


def _swap(platform: Any, job: Video, prefix: str) -> Video:
    """The job's pointer swap with new frames, the owner's pick as the job read it."""
    token = prefix.rstrip("/").rsplit("/", 1)[1]
    values = video_service._thumbnail_values(
        job.id, prefix, ["thumbnails/0.jpg", "thumbnails/1.jpg"], job.thumbnail_choice
    )
    assert video_service.finish_job(platform.session, job.id, token, prefix=prefix, values=values)
    with platform.session() as session:
        row: Video | None = session.get(Video, job.id)
        assert row is not None
        session.expunge(row)
        return row


def test_an_upload_while_the_video_is_reprocessed_is_kept(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    """The job read the row before the upload; its pointer swap keeps the cover anyway."""
    owner = actor("owner")
    covered, picked = (ready_video(platform, owner.id, title) for title in ("Busy", "Picked"))
    with platform.session() as session:
        row = session.get(Video, picked)
        assert row is not None
        row.thumbnail_choice = 1
        session.add(row)
        session.commit()

    job, prefix = _claim_reprocessing(platform, covered)
    assert not thumbnails.is_cover(job, job.thumbnail_key)
    done = _put(api, covered, owner, jpeg_with_exif())  # still ready: allowed
    assert done.status_code == 200, done.text
    [cover] = platform.storage.list(cover_prefix(covered))
    row = _swap(platform, job, prefix)
    assert row.thumbnail_key == cover
    assert row.thumbnail_choice is None
    assert row.thumbnail_candidates == [f"{prefix}thumbnails/0.jpg", f"{prefix}thumbnails/1.jpg"]

    # Without a cover the swap takes the owner's pick among the new frames.
    job, prefix = _claim_reprocessing(platform, picked)
    row = _swap(platform, job, prefix)
    assert row.thumbnail_key == f"{prefix}thumbnails/1.jpg"
    assert row.thumbnail_choice == 1


@pytest.mark.ffmpeg
@pytest.mark.parametrize("packaging", ["hls", "cmaf"])
class TestTranscodedVideo:
    @pytest.fixture
    def video_settings(self, packaging: str) -> dict[str, Any]:
        return {
            "plugin": {"video": {"packaging": packaging, "thumbnail_candidates": 2}},
            "hls_segment_seconds": 2,
            "media_preset": "ultrafast",
        }

    def test_the_uploaded_thumbnail_survives_reprocessing(
        self,
        live_server: str,
        client: httpx.Client,
        headers: dict[str, str],
        api: Callable[..., httpx.Response],
        uploader_user: Any,
        platform: Any,
        tmp_path: Path,
        packaging: str,
    ) -> None:
        clip = make_clip(tmp_path / "small.mp4", seconds=1.5, size="320x180")
        data = clip.read_bytes()
        video_id = upload_in_pieces(client, headers, data, [len(data)])
        video = wait_for_status(client, video_id, headers)
        assert video["status"] == "ready", video
        assert len(video["thumbnail_candidates"]) == 2
        owner = Actor(uploader_user, {"Authorization": headers["Authorization"]})
        done = _put(api, video_id, owner, jpeg_with_exif())
        assert done.status_code == 200, done.text
        cover = done.json()["thumbnail_url"].split("?")[0]

        with platform.session() as session:
            old_prefix = session.get(Video, video_id).hls_prefix
            assert reprocess.queue(session, [video_id]) == {video_id: "queued"}
            session.commit()

        def reprocessed() -> bool:
            with platform.session() as session:
                row = session.get(Video, video_id)
                return row.hls_prefix != old_prefix and row.job_token is None

        from socialflow.testing.waiting import wait_until

        wait_until(reprocessed, what="the video processed again", timeout=120)
        after = api("GET", f"/videos/{video_id}", owner).json()
        assert after["status"] == "ready"
        with platform.session() as session:
            assert session.get(Video, video_id).packaging == packaging
        assert after["thumbnail_url"].split("?")[0] == cover
        assert after["thumbnail_choice"] is None
        assert len(after["thumbnail_candidates"]) == 2
        assert api("GET", after["thumbnail_url"]).status_code == 200
