"""Small pure pieces: playlist parsing and rewriting, progress lines, metadata, the
compare-and-set commit when two writers both think they hold an upload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict
from socialflow.video import uploads as upload_service
from socialflow.video.media.hls import parse_master, render_master, rewrite_media_playlist
from socialflow.video.media.pipeline import parse_progress
from socialflow.video.media.tus import TusError, parse_checksum, parse_metadata
from socialflow.video.models import Upload

MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-STREAM-INF:BANDWIDTH=510400,RESOLUTION=426x240,CODECS="avc1.4d4015,mp4a.40.2"
240p/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=985600,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"
360p/index.m3u8
"""


def test_master_playlist_round_trip() -> None:
    variants = parse_master(MASTER)
    assert [(v.uri, v.width, v.height, v.bandwidth) for v in variants] == [
        ("240p/index.m3u8", 426, 240, 510400),
        ("360p/index.m3u8", 640, 360, 985600),
    ]
    assert variants[0].codecs == "avc1.4d4015,mp4a.40.2"
    rendered = render_master([(v, f"https://x/{v.height}") for v in reversed(variants)])
    assert parse_master(rendered)[0].uri == "https://x/240"  # sorted by bandwidth
    assert 'CODECS="avc1.4d401e,mp4a.40.2"' in rendered


def test_media_playlist_rewrite_drops_anything_but_plain_segment_names() -> None:
    playlist = (
        "#EXTM3U\n#EXTINF:4,\nseg_0000.ts\n#EXTINF:4,\nhttp://127.0.0.1/x.ts\n"
        "#EXTINF:4,\n../../secret.ts\n#EXT-X-ENDLIST\n"
    )
    out = rewrite_media_playlist(playlist, lambda name: f"https://cdn/{name}?sig=1")
    assert "https://cdn/seg_0000.ts?sig=1" in out
    assert "127.0.0.1" not in out
    assert "secret" not in out


def test_progress_lines() -> None:
    assert parse_progress("out_time_us=1500000", 3.0) == pytest.approx(0.5)
    assert parse_progress("out_time_ms=6000000", 3.0) == 1.0
    assert parse_progress("out_time_us=N/A", 3.0) is None
    assert parse_progress("frame=10", 3.0) is None


def test_metadata_and_checksum_parsing() -> None:
    assert parse_metadata("filename YS5tcDQ=,is_confidential") == {
        "filename": "a.mp4",
        "is_confidential": None,
    }
    for bad in ("a b c", "bad key YQ==", "a !!", "a YQ==,a YQ=="):
        with pytest.raises(TusError):
            parse_metadata(bad)
    checksum = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")
    assert checksum is not None
    assert checksum.algorithm == "sha1"
    assert parse_checksum(None) is None


def test_only_one_of_two_writers_at_one_offset_can_commit(platform: Any, make_user: Any) -> None:
    """Even if a lease expired under a stalled writer, the offset moves once."""
    owner = make_user("owner")
    settings = platform.settings
    with platform.session() as session:
        upload = upload_service.create_upload(
            session=session, settings=settings, owner=owner, length=10, metadata_header=None
        )
        session.commit()
        upload_id = upload.id
    with platform.session() as session:
        first = upload_service.begin_patch(
            session=session, settings=settings, owner=owner, upload_id=upload_id, offset=0
        )
    with platform.session() as session:  # the first writer stalls past its lease
        row = session.get(Upload, upload_id)
        assert row is not None
        row.locked_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    with platform.session() as session:
        second = upload_service.begin_patch(
            session=session, settings=settings, owner=owner, upload_id=upload_id, offset=0
        )
    with platform.session() as session:
        upload_service.commit_patch(
            session=session, settings=settings, lease=second, size=4, key="uploads/x/a"
        )
    with platform.session() as session, pytest.raises(Conflict):
        upload_service.commit_patch(
            session=session, settings=settings, lease=first, size=6, key="uploads/x/b"
        )
    with platform.session() as session:
        row = session.get(Upload, upload_id)
        assert row is not None
        assert row.offset == 4
        assert [c.key for c in upload_service.chunks_of(session=session, upload_id=upload_id)] == [
            "uploads/x/a"
        ]
