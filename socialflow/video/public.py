"""The public Video shape (DESIGN.md) and its serializer, shared by every route that shows one.

``/videos`` answers with it, and so does every serialized Post that carries a
video (post reads, feeds, bookmarks, search, trending): one serializer, so the
two can never drift. :func:`public_videos` loads a page's videos in one query.
Playlist URLs are signed (not tied to a viewer), so whoever may see a post
can play its video; segments, poster and storyboard are storage signed URLs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field
from sqlalchemy import select

from socialflow.core.http.examples import example_of, examples
from socialflow.plugins.session import counters_of
from socialflow.video import videos as video_service
from socialflow.video.models import Video, VideoStatus

if TYPE_CHECKING:
    from socialflow.core.db.sqlutil import DB
    from socialflow.core.platform import Platform

MASTER = "master"
DASH = "dash"
VIDEOS = Video.__table__  # type: ignore[attr-defined]


class RenditionPublic(BaseModel):
    model_config = examples(
        {
            "name": "720p",
            "width": 1280,
            "height": 720,
            "bandwidth": 2800000,
            "codecs": "avc1.64001f,mp4a.40.2",
            "playlist_url": "https://api.example.com/api/v1/videos/v_8Jx2kQ/hls/720p/index.m3u8?expires=1767225600&sig=5f1c",
        }
    )

    name: str
    width: int
    height: int
    bandwidth: int
    codecs: str | None = None
    playlist_url: str


class StoryboardPublic(BaseModel):
    model_config = examples(
        {
            "url": "https://media.example.com/videos/v_8Jx2kQ/storyboard.jpg?sig=abc",
            "interval": 2.0,
            "count": 31,
            "columns": 10,
            "rows": 4,
            "tile_width": 160,
            "tile_height": 90,
        }
    )

    url: str
    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


class VideoPublic(BaseModel):
    """The Video shape of DESIGN.md (plus title, visibility, storyboard layout...)."""

    model_config = examples(
        {
            "id": "v_8Jx2kQ",
            "owner_id": 42,
            "title": "Down the ridge",
            "description": "First ride of the season.",
            "visibility": "public",
            "status": "ready",
            "progress": 100,
            "failure_reason": None,
            "duration": 61.5,
            "width": 1920,
            "height": 1080,
            "renditions": [example_of(RenditionPublic)],
            "master_url": "https://api.example.com/api/v1/videos/v_8Jx2kQ/master.m3u8?expires=1767225600&sig=9a2e",
            "dash_url": "https://api.example.com/api/v1/videos/v_8Jx2kQ/manifest.mpd?expires=1767225600&sig=41c7",
            "thumbnail_url": "https://media.example.com/videos/v_8Jx2kQ/poster.jpg?sig=abc",
            "thumbnail_candidates": [
                "https://media.example.com/videos/v_8Jx2kQ/thumbnails/0.jpg?sig=abc",
                "https://media.example.com/videos/v_8Jx2kQ/thumbnails/1.jpg?sig=abc",
            ],
            "thumbnail_choice": 1,
            "storyboard_url": "https://media.example.com/videos/v_8Jx2kQ/storyboard.jpg?sig=abc",
            "storyboard": example_of(StoryboardPublic),
            "view_count": 5120,
            "watch_seconds": 181234.5,
            "created_at": "2026-03-01T08:00:00Z",
            "counters": {},
        },
        {
            "id": "v_3Lm9pR",
            "owner_id": 42,
            "title": "",
            "description": "",
            "visibility": "public",
            "status": "processing",
            "progress": 35,
            "failure_reason": None,
            "duration": 61.5,
            "width": 1920,
            "height": 1080,
            "renditions": [],
            "master_url": None,
            "dash_url": None,
            "thumbnail_url": None,
            "thumbnail_candidates": [],
            "thumbnail_choice": None,
            "storyboard_url": None,
            "storyboard": None,
            "view_count": 0,
            "watch_seconds": 0.0,
            "created_at": "2026-03-02T10:00:00Z",
        },
    )

    id: str
    owner_id: int
    title: str
    description: str
    visibility: str
    status: str
    progress: int
    failure_reason: str | None
    duration: float | None
    width: int | None
    height: int | None
    renditions: list[RenditionPublic]
    master_url: str | None
    dash_url: str | None = Field(
        default=None,
        description="The DASH manifest (MPD), signed like the HLS playlists; present when the "
        "video is packaged as CMAF, whose segments the HLS master and the MPD share.",
    )
    thumbnail_url: str | None
    thumbnail_candidates: list[str] = Field(
        default_factory=list,
        description="Candidate thumbnail frames made at transcoding; the owner picks one with "
        "``PATCH /videos/{id}`` (``thumbnail_choice``, an index into this list).",
    )
    thumbnail_choice: int | None = None
    storyboard_url: str | None
    storyboard: StoryboardPublic | None
    view_count: int
    watch_seconds: float
    created_at: datetime
    deleted_at: datetime | None = Field(
        default=None,
        description="When the owner deleted it (status ``deleted``, seen by the owner only): "
        "restorable for ``delete_grace_hours`` from then.",
    )
    counters: dict[str, int] = Field(
        default_factory=dict,
        description="Counts other apps show on a video (``socialflow_counters``).",
    )


def _api_base(platform: Platform) -> str:
    settings = platform.settings
    return settings.public_url + settings.api_prefix


def playlist_url(platform: Platform, video_id: str, name: str) -> str:
    """A signed app URL for one playlist (``master`` or a rendition)."""
    settings = platform.settings
    expires = int(time.time()) + settings.media_url_expires
    sig = video_service.playback_signature(settings.secret(), video_id, name, expires)
    if name == MASTER:
        path = "master.m3u8"
    elif name == DASH:
        path = "manifest.mpd"
    else:
        path = f"hls/{name}/index.m3u8"
    query = urlencode({"expires": expires, "sig": sig})
    return f"{_api_base(platform)}/videos/{video_id}/{path}?{query}"


def to_public(
    platform: Platform, video: Any, counters: dict[str, int] | None = None
) -> VideoPublic:
    """The Video shape of ``video`` (an ORM :class:`Video` or a Core row of ``videos``)."""
    ready = video.status == VideoStatus.ready.value and video.hls_prefix
    storage = platform.storage
    expires = platform.settings.media_url_expires
    renditions = []
    storyboard = None
    thumbnail_url = storyboard_url = master_url = dash_url = None
    candidates: list[str] = []
    if ready:
        renditions = [
            RenditionPublic(**r, playlist_url=playlist_url(platform, video.id, r["name"]))
            for r in video.renditions
        ]
        master_url = playlist_url(platform, video.id, MASTER)
        if video.packaging == "cmaf":
            dash_url = playlist_url(platform, video.id, DASH)
        candidates = [
            storage.signed_url(key, expires_in=expires) for key in video.thumbnail_candidates or []
        ]
        if video.thumbnail_key:
            thumbnail_url = storage.signed_url(video.thumbnail_key, expires_in=expires)
        if video.storyboard_key:
            storyboard_url = storage.signed_url(video.storyboard_key, expires_in=expires)
            if video.storyboard:
                storyboard = StoryboardPublic(url=storyboard_url, **video.storyboard)
    return VideoPublic(
        id=video.id,
        owner_id=video.owner_id,
        title=video.title,
        description=video.description,
        visibility=video.visibility,
        status=video.status,
        progress=video.progress,
        failure_reason=video.failure_reason,
        duration=video.duration,
        width=video.width,
        height=video.height,
        renditions=renditions,
        master_url=master_url,
        dash_url=dash_url,
        thumbnail_url=thumbnail_url,
        thumbnail_candidates=candidates,
        thumbnail_choice=video.thumbnail_choice,
        storyboard_url=storyboard_url,
        storyboard=storyboard,
        view_count=video.view_count,
        watch_seconds=video.watch_seconds,
        created_at=video.created_at,
        deleted_at=video.deleted_at,
        counters=counters or {},
    )


def render(platform: Platform, session: DB, videos: Sequence[Any]) -> list[VideoPublic]:
    """:func:`to_public` for a page of videos, with other apps' counters (one call)."""
    counters = counters_of(session, "video", [video.id for video in videos])
    return [to_public(platform, video, counters.get(video.id)) for video in videos]


def public_videos(
    platform: Platform, session: DB, video_ids: Iterable[str | None]
) -> dict[str, dict[str, Any]]:
    """The public shape (JSON-ready dicts) of the given videos, by id, in one query.

    Works on an ORM session or a Core connection (the feeds' fast path); ids
    with no video row (never expected: the foreign key nulls them) and videos
    their owner deleted (waiting out the grace period) are absent.
    """
    ids = sorted({i for i in video_ids if i})
    if not ids:
        return {}
    rows = session.execute(
        select(VIDEOS).where(VIDEOS.c.id.in_(ids), VIDEOS.c.status != VideoStatus.deleted.value)
    ).all()
    return {video.id: video.model_dump(mode="json") for video in render(platform, session, rows)}
