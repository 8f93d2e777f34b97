"""Managing a video over its life: the thumbnail, deletion with a grace period, restoring,
the purge, and the operators' CLI (``videos delete``, ``videos reprocess`` selections).

Deletion keeps the default grace period here; ``test_video_management.py`` covers
the immediate removal (``delete_grace_hours = 0``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from socialflow.cli import build_cli
from socialflow.core.db.base import utcnow
from socialflow.testing.video import make_clip
from socialflow.testing.waiting import wait_until
from socialflow.video import videos as video_service
from socialflow.video.models import Video
from socialflow.video.tasks import PURGE_DELETED_TASK
from tests.social.conftest import Actor
from tests.video.conftest import ready_video


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _with_candidates(platform: Any, video_id: str, count: int = 3) -> list[str]:
    """Give a ready video stored candidate frames, as a transcode with candidates does."""
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        assert row.hls_prefix is not None
        keys = [f"{row.hls_prefix}thumbnails/{n}.jpg" for n in range(count)]
        for key in keys:
            platform.storage.put(key, b"frame " + key.encode())
        row.thumbnail_candidates = keys
        session.add(row)
        session.commit()
    return keys


def test_owner_picks_a_candidate_frame_as_thumbnail(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner, other = actor("owner"), actor("other")
    video_id = ready_video(platform, owner.id, "Frames")
    keys = _with_candidates(platform, video_id)
    before = api("GET", f"/videos/{video_id}", owner).json()
    assert len(before["thumbnail_candidates"]) == 3
    assert "poster.jpg" in before["thumbnail_url"]

    chosen = api("PATCH", f"/videos/{video_id}", owner, json={"thumbnail_choice": 2})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["thumbnail_choice"] == 2
    assert "thumbnails/2.jpg" in chosen.json()["thumbnail_url"]
    served = api("GET", chosen.json()["thumbnail_url"])  # the storage's signed URL
    assert served.status_code == 200
    assert served.content == b"frame " + keys[2].encode()

    for body in ({"thumbnail_choice": 3}, {"thumbnail_choice": -1}, {"thumbnail_choice": "x"}):
        bad = api("PATCH", f"/videos/{video_id}", owner, json=body)
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    stolen = api("PATCH", f"/videos/{video_id}", other, json={"thumbnail_choice": 0})
    assert stolen.status_code == 404
    after = api("GET", f"/videos/{video_id}", None).json()
    assert after["thumbnail_choice"] == 2


def test_deleted_video_hides_at_once_and_the_owner_restores_it(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner, viewer = actor("owner"), actor("viewer")
    video_id = ready_video(platform, owner.id, "Restorable otters")
    posted = api("POST", "/posts", owner, json={"text": "otters", "video_id": video_id})
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]
    stored = platform.storage.list(video_service.videos_prefix(video_id))

    assert api("DELETE", f"/videos/{video_id}", viewer).status_code == 404
    assert api("POST", f"/videos/{video_id}/restore", viewer).status_code == 404
    assert api("DELETE", f"/videos/{video_id}", owner).status_code == 204
    for who in (viewer, None):
        assert api("GET", f"/videos/{video_id}", who).status_code == 404
        assert api("GET", f"/videos/{video_id}/master.m3u8", who).status_code == 404
        assert video_id not in _ids(api("GET", "/videos", who))
        assert video_id not in _ids(api("GET", f"/users/{owner.name}/videos", who))
        assert api("GET", f"/posts/{post_id}", who).json()["video"] is None
    mine = api("GET", f"/videos/{video_id}", owner).json()
    assert mine["status"] == "deleted"
    assert mine["deleted_at"] is not None
    assert mine["master_url"] is None
    assert platform.storage.list(video_service.videos_prefix(video_id)) == stored
    assert api("DELETE", f"/videos/{video_id}", owner).status_code == 404  # once

    restored = api("POST", f"/videos/{video_id}/restore", owner)
    assert restored.status_code == 200, restored.text
    assert (restored.json()["status"], restored.json()["deleted_at"]) == ("ready", None)
    assert api("GET", f"/videos/{video_id}", viewer).status_code == 200
    assert api("GET", f"/posts/{post_id}", viewer).json()["video"]["id"] == video_id
    again = api("POST", f"/videos/{video_id}/restore", owner)
    assert again.status_code == 409
    assert again.json()["type"].endswith("video-not-deleted")


def test_after_the_grace_period_the_purge_removes_row_and_bytes(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner = actor("owner")
    gone, kept = (ready_video(platform, owner.id, title) for title in ("Old", "Recent"))
    for video_id in (gone, kept):
        assert api("DELETE", f"/videos/{video_id}", owner).status_code == 204
    with platform.session() as session:
        row = session.get(Video, gone)
        assert row is not None
        row.deleted_at = utcnow() - timedelta(hours=73)  # past the default 72 h
        session.add(row)
        session.commit()
    late = api("POST", f"/videos/{gone}/restore", owner)
    assert late.status_code == 409
    assert late.json()["type"].endswith("grace-passed")

    assert platform.celery.tasks[PURGE_DELETED_TASK].apply().get() == [gone]
    assert api("GET", f"/videos/{gone}", owner).status_code == 404
    wait_until(
        lambda: platform.storage.list(video_service.videos_prefix(gone)) == [],
        what="the purged video's stored objects removed",
    )
    assert api("GET", f"/videos/{kept}", owner).json()["status"] == "deleted"
    assert platform.storage.list(video_service.videos_prefix(kept))
    assert platform.celery.tasks[PURGE_DELETED_TASK].apply().get() == []  # idempotent


def test_operator_deletes_a_video_from_the_cli(
    actor: Callable[..., Actor], platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = actor("owner")
    video_id = ready_video(platform, owner.id, "Reported")
    monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(platform.settings.project_dir))
    cli = build_cli(with_plugins=False)
    refused = CliRunner().invoke(cli, ["videos", "delete", video_id], input="n\n")
    assert refused.exit_code == 1
    with platform.session() as session:
        assert session.get(Video, video_id) is not None
    done = CliRunner().invoke(cli, ["videos", "delete", video_id, "--yes"])
    assert done.exit_code == 0, done.output
    with platform.session() as session:
        assert session.get(Video, video_id) is None
    wait_until(
        lambda: platform.storage.list(video_service.videos_prefix(video_id)) == [],
        what="the stored objects removed",
    )
    missing = CliRunner().invoke(cli, ["videos", "delete", video_id, "--yes"])
    assert missing.exit_code == 1


def test_reprocess_needs_exactly_one_selection(
    platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(platform.settings.project_dir))
    cli = build_cli(with_plugins=False)
    assert CliRunner().invoke(cli, ["videos", "reprocess"]).exit_code == 2
    assert CliRunner().invoke(cli, ["videos", "reprocess", "x", "--all"]).exit_code == 2
    refused = CliRunner().invoke(cli, ["videos", "reprocess", "--missing-dash"])
    assert refused.exit_code == 1  # packaging is hls here: it would make no DASH
    assert "cmaf" in refused.output


class TestReprocessToDash:
    @pytest.fixture
    def video_settings(self) -> dict[str, Any]:
        return {
            "plugin": {"video": {"packaging": "cmaf", "thumbnail_candidates": 2}},
            "hls_segment_seconds": 2,
            "media_preset": "ultrafast",
        }

    @pytest.mark.ffmpeg
    def test_missing_dash_repackages_old_videos_once_while_they_keep_playing(
        self,
        api: Callable[..., httpx.Response],
        actor: Callable[..., Actor],
        platform: Any,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        owner = actor("owner")
        video_id = ready_video(platform, owner.id, "Old HLS video")
        clip = make_clip(tmp_path / "old.mp4", seconds=1.5, size="320x180")
        platform.storage.put(video_service.source_key(video_id), clip.read_bytes())
        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            old_prefix = row.hls_prefix
            assert old_prefix is not None
            queued = video_service.start_reprocessing(session=session, video=row)
            assert queued == "queued"
            # Reprocessing keeps the video ready and playable until the swap.
            from socialflow.core.effects import take_pending

            take_pending(session)
            session.commit()
        playing = api("GET", f"/videos/{video_id}", None).json()
        assert (playing["status"], playing["dash_url"]) == ("ready", None)
        assert httpx.get(playing["master_url"]).status_code == 200
        with platform.session() as session:
            row = session.get(Video, video_id)
            assert row is not None
            again = video_service.start_reprocessing(session=session, video=row)
            assert again == "requeued"  # a lost message is sent again; never two jobs

        monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(platform.settings.project_dir))
        cli = build_cli(with_plugins=False)
        result = CliRunner().invoke(
            cli, ["videos", "reprocess", "--missing-dash", "--timeout", "120"]
        )
        assert result.exit_code == 0, result.output
        assert f"{video_id}: ready" in result.output
        video = api("GET", f"/videos/{video_id}", None).json()
        assert video["status"] == "ready"
        assert video["dash_url"] is not None
        assert len(video["thumbnail_candidates"]) == 2
        assert platform.storage.list(old_prefix) == []
        nothing = CliRunner().invoke(cli, ["videos", "reprocess", "--missing-dash"])
        assert nothing.exit_code == 0, nothing.output
        assert "Nothing to process." in nothing.output


def _b64(value: str) -> str:
    import base64

    return base64.b64encode(value.encode()).decode()


@pytest.mark.ffmpeg
def test_owner_replaces_the_source_and_the_old_renditions_play_until_the_swap(
    client: httpx.Client,
    headers: dict[str, str],
    auth_headers: Callable[[Any], dict[str, str]],
    make_user: Callable[..., Any],
    platform: Any,
    tmp_path: Path,
) -> None:
    from tests.video.conftest import TUS, create_upload, patch, wait_for_status

    first = make_clip(tmp_path / "first.mp4", seconds=1.5, size="320x180")
    second = make_clip(tmp_path / "second.mp4", seconds=1, size="256x144")
    created = create_upload(client, headers, first.stat().st_size, f"filename {_b64('a.mp4')}")
    assert created.status_code == 201, created.text
    video_id = created.headers["Video-Id"]
    body = first.read_bytes()
    assert patch(client, created.headers["Location"], headers, 0, body).status_code == 204
    video = wait_for_status(client, video_id, headers)
    assert (video["status"], video["height"]) == ("ready", 180)
    with platform.session() as session:
        first_row = session.get(Video, video_id)
        assert first_row is not None
        old_source = first_row.source_key
        assert old_source is not None

    stranger = {**auth_headers(make_user("stranger")), **TUS}
    meta = f"replaces {_b64(video_id)}"
    refused = create_upload(client, stranger, second.stat().st_size, meta)
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")

    replacing = create_upload(client, headers, second.stat().st_size, meta)
    assert replacing.status_code == 201, replacing.text
    assert replacing.headers["Video-Id"] == video_id
    busy = create_upload(client, headers, second.stat().st_size, meta)
    assert busy.status_code == 409, busy.text
    half = second.stat().st_size // 2
    data = second.read_bytes()
    url = replacing.headers["Location"]
    assert patch(client, url, headers, 0, data[:half]).status_code == 204
    during = client.get(f"/api/v1/videos/{video_id}", headers=headers).json()
    assert (during["status"], during["height"]) == ("ready", 180)  # the old one plays on
    assert client.get(during["master_url"]).status_code == 200
    assert patch(client, url, headers, half, data[half:]).status_code == 204

    def swapped() -> bool:
        now = client.get(f"/api/v1/videos/{video_id}", headers=headers).json()
        return bool(now["status"] == "ready" and now["height"] == 144)

    wait_until(swapped, what="the replacement's renditions swapped in", timeout=120)
    with platform.session() as session:
        row = session.get(Video, video_id)
        assert row is not None
        assert (row.replacement_upload_id, row.reprocessing) == (None, False)
        assert row.source_key != old_source
        assert row.source_size == len(data)
    assert not platform.storage.exists(old_source)
    again = create_upload(client, headers, second.stat().st_size, meta)
    assert again.status_code == 201, again.text  # idle again: may be replaced once more
