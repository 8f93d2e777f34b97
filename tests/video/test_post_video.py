"""Posts that carry a video: attaching (owner only, any status), and the Video
shape in every place a post is shown, loaded in one query per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event

from socialflow.video.models import Video
from tests.social import filter_plugin
from tests.video.conftest import TUS, create_upload
from tests.video.test_videos_api import upload_clip

VIDEO_FIELDS = {
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
}


@pytest.fixture
def video_settings() -> dict[str, Any]:
    # The social suite's filter plugin: records payloads, "#novideo" detaches.
    return {"plugin_modules": ["tests.social.filter_plugin"]}


@pytest.fixture
def fan_headers(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> dict[str, str]:
    return auth_headers(make_user("fan"))


def new_video(client: httpx.Client, headers: dict[str, str]) -> str:
    """A video still uploading: created by the tus creation request alone."""
    created = create_upload(client, headers, 1000)
    assert created.status_code == 201, created.text
    return str(created.headers["Video-Id"])


def post(
    client: httpx.Client, headers: dict[str, str], text: str, video_id: str | None
) -> httpx.Response:
    return client.post(
        "/api/v1/posts",
        headers=_auth(headers),
        json={"text": text, "visibility": "public", "video_id": video_id},
    )


def _auth(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "Tus-Resumable"}


def items(client: httpx.Client, path: str, headers: dict[str, str] | None) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1{path}", headers=_auth(headers or {}))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@pytest.fixture
def video_queries(platform: Any) -> Iterator[list[str]]:
    """SQL statements that read the videos table, as the server runs them."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM videos" in statement:
            seen.append(statement)

    event.listen(platform.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(platform.engine, "before_cursor_execute", listen)


def test_post_with_an_uploading_video_shows_it_everywhere(
    client: httpx.Client,
    headers: dict[str, str],
    fan_headers: dict[str, str],
    uploader_user: Any,
    video_queries: list[str],
) -> None:
    filter_plugin.SEEN_POSTS.clear()
    fan = _auth(fan_headers)
    assert (
        client.post(f"/api/v1/users/{uploader_user.username}/follow", headers=fan).status_code
        == 200
    )
    video_id = new_video(client, headers)
    created = post(client, headers, "my clip #clips", video_id)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["video_id"] == video_id
    assert set(body["video"]) >= VIDEO_FIELDS
    assert body["video"]["id"] == video_id
    assert body["video"]["status"] == "uploading"
    assert body["video"]["master_url"] is None
    assert body["video"]["renditions"] == []
    # The filter hook sees the (string) video id.
    assert filter_plugin.SEEN_POSTS[-1]["video_id"] == video_id

    post_id = body["id"]
    read = client.get(f"/api/v1/posts/{post_id}", headers=fan)
    assert read.status_code == 200
    assert read.json()["video"]["id"] == video_id
    # Anonymous readers see it through the (public) post, though GET /videos/{id}
    # hides another user's unready video: the post's visibility governs.
    assert client.get(f"/api/v1/posts/{post_id}").json()["video"]["id"] == video_id

    assert client.post(f"/api/v1/posts/{post_id}/bookmark", headers=fan).status_code in {200, 204}
    for path, who in (
        ("/feed/home", headers),
        ("/feed/home", fan_headers),
        ("/feed/explore", None),
        ("/feed/hashtag/clips", None),
        (f"/users/{uploader_user.username}/posts", None),
        ("/bookmarks", fan_headers),
        ("/search?q=clip&type=posts", None),
    ):
        found = [i for i in items(client, path, who) if i["id"] == post_id]
        assert found, path
        assert found[0]["video"]["id"] == video_id, path

    # Editing keeps the video.
    edited = client.patch(
        f"/api/v1/posts/{post_id}", headers=_auth(headers), json={"text": "renamed clip"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["video"]["id"] == video_id
    assert filter_plugin.SEEN_POSTS[-1]["video_id"] == video_id

    # A page of several posts with videos reads the videos table once.
    for n in range(3):
        assert post(client, headers, f"more {n}", new_video(client, headers)).status_code == 201
    video_queries.clear()
    page = items(client, "/feed/explore", None)
    assert sum(1 for i in page if i["video"]) == 4
    assert len(video_queries) == 1


def test_only_the_authors_own_video_can_be_attached(
    client: httpx.Client,
    headers: dict[str, str],
    fan_headers: dict[str, str],
    uploader_user: Any,
) -> None:
    theirs = new_video(client, {**fan_headers, **TUS})
    for video_id in (theirs, "0" * 32, "nope"):
        refused = post(client, headers, "stolen clip", video_id)
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 404
    assert post(client, headers, "x", "a" * 33).status_code == 422
    # No partial write: nothing was posted.
    assert items(client, f"/users/{uploader_user.username}/posts", None) == []
    # Without a video the post has none.
    plain = post(client, headers, "just words", None)
    assert plain.status_code == 201
    assert plain.json()["video"] is None
    # A filter may detach the video before it is stored.
    detached = post(client, headers, "#novideo please", new_video(client, headers))
    assert detached.status_code == 201
    assert detached.json()["video"] is None
    assert detached.json()["video_id"] is None


def test_deleting_the_video_leaves_the_post_without_it(
    client: httpx.Client, headers: dict[str, str], platform: Any
) -> None:
    video_id = new_video(client, headers)
    created = post(client, headers, "soon gone", video_id)
    assert created.status_code == 201
    with platform.engine.begin() as connection:
        connection.execute(delete(Video.__table__).where(Video.__table__.c.id == video_id))  # type: ignore[attr-defined]
    read = client.get(f"/api/v1/posts/{created.json()['id']}")
    assert read.status_code == 200
    assert read.json()["video"] is None
    assert read.json()["video_id"] is None


@pytest.mark.ffmpeg
def test_ready_video_in_the_feed_has_renditions_and_master(
    client: httpx.Client, headers: dict[str, str], clip: Path
) -> None:
    video = upload_clip(client, headers, clip)
    assert video["status"] == "ready"
    created = post(client, headers, "ready to watch", video["id"])
    assert created.status_code == 201, created.text
    feed = items(client, "/feed/home", headers)
    shown = next(i for i in feed if i["id"] == created.json()["id"])["video"]
    assert shown["status"] == "ready"
    assert shown["progress"] == 100
    assert shown["duration"]
    assert (shown["width"], shown["height"]) == (640, 360)
    assert shown["renditions"]
    for rendition in shown["renditions"]:
        assert {"height", "bandwidth", "playlist_url"} <= set(rendition)
    assert shown["thumbnail_url"]
    master = client.get(shown["master_url"])
    assert master.status_code == 200
    assert master.text.startswith("#EXTM3U")
