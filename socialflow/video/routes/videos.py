"""``/videos``: a video's state and playback, the caller's list, and views.

Playlists are served by the app (they are tiny and carry per-viewer signed
URLs); segments, poster and storyboard come from the storage backend's
signed URLs, so with S3/GCS/Azure (or a CDN in front) video bytes never pass
through the API. Another user's private or unready video answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser, OptionalUser
from socialflow.accounts.models import User
from socialflow.core.errors import NotFound
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.openapi import problems
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import Expiry, Name, ObjectKey, SafeText
from socialflow.core.platform import Platform
from socialflow.graph.relations import get_visible_user
from socialflow.plugins.protocols import ObjectNotFound
from socialflow.video import videos as video_service
from socialflow.video.media.hls import Variant, render_master, rewrite_media_playlist
from socialflow.video.models import Video, VideoStatus
from socialflow.video.public import (
    MASTER,
    RenditionPublic,
    StoryboardPublic,
    VideoPublic,
    playlist_url,
    render,
    to_public,
)
from socialflow.video.settings import video_settings

router = APIRouter(prefix="/videos", tags=["videos"])
# A profile's videos sit under /users (the accounts app's prefix) and keep its tag.
user_videos_router = APIRouter(prefix="/users", tags=["users"])
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
__all__ = [
    "RenditionPublic",
    "StoryboardPublic",
    "VideoPublic",
    "playlist_url",
    "router",
    "to_public",
    "user_videos_router",
]


class VideoPage(BaseModel):
    model_config = examples({"items": [example_of(VideoPublic)], "next_cursor": "eyJpZCI6InZfMyJ9"})

    items: list[VideoPublic]
    next_cursor: str | None


class VideoUpdate(StrictModel):
    """What an owner may change; fields left out stay as they are."""

    model_config = examples(
        {"title": "Down the ridge", "description": "First ride.", "visibility": "unlisted"},
        {"thumbnail_choice": 2},
    )

    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    visibility: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{1,16}$",
        description="public, unlisted, private, or an audience an installed app adds "
        "(such as subscribers); 422 names the values this platform accepts.",
    )
    thumbnail_choice: int | None = Field(
        default=None,
        ge=0,
        le=9,
        description="Which of the video's ``thumbnail_candidates`` becomes its thumbnail "
        "(an index; 422 when the video has no such candidate). Kept when it is reprocessed.",
    )


class ViewRequest(StrictModel):
    """A view beacon. A player sends one when playback starts and then every few
    seconds; ``position`` and ``source`` are optional (older clients send neither)
    and only reach the ``video_watched`` event, for the analytics app's retention
    curves and traffic sources."""

    model_config = examples({"watched_seconds": 42.5})

    watched_seconds: float = Field(default=0.0, ge=0, le=24 * 3600)
    position: float | None = Field(
        default=None,
        ge=0,
        le=24 * 3600,
        description="The playhead, in seconds from the start, when the beacon was sent.",
    )
    source: str | None = Field(
        default=None,
        pattern=r"^(feed|search|profile|external|direct|other)$",
        description="Where the viewer came from: feed, search, profile, external, direct or other.",
    )


class ViewResult(BaseModel):
    model_config = examples({"counted": True, "view_count": 5121, "watch_seconds": 181277.0})

    counted: bool
    view_count: int
    watch_seconds: float


@router.get("", response_model=VideoPage)
def list_videos(
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
    page: PageDep,
    mine: Annotated[bool, Query(description="Only the caller's videos, any status.")] = False,
) -> VideoPage:
    if mine and viewer is None:
        from socialflow.core.errors import Unauthorized

        raise Unauthorized()
    rows, cursor = video_service.list_videos(
        session=session, viewer=viewer, mine=mine, cursor=page.cursor, limit=page.limit
    )
    return VideoPage(items=render(platform, session, rows), next_cursor=cursor)


@router.get("/{video_id}", response_model=VideoPublic)
def read_video(
    video_id: ObjectKey, session: SessionDep, platform: PlatformDep, viewer: OptionalUser
) -> VideoPublic:
    video = video_service.get_visible_video(session=session, video_id=video_id, viewer=viewer)
    return render(platform, session, [video])[0]


@router.patch("/{video_id}", response_model=VideoPublic)
def update_video(
    video_id: ObjectKey,
    body: VideoUpdate,
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
) -> VideoPublic:
    """Change the title, description, visibility or thumbnail of one of the caller's
    videos (anyone else's answers 404)."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    video = video_service.update_video(
        session=session, owner=user, video_id=video_id, changes=changes
    )
    session.commit()
    return render(platform, session, [video])[0]


@router.delete("/{video_id}", status_code=204, response_class=Response)
def delete_video(
    video_id: ObjectKey, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> Response:
    """Delete one of the caller's videos (anyone else's answers 404): gone from every
    list, post and search at once. Within ``delete_grace_hours`` the owner may restore
    it (``POST /videos/{id}/restore``); then its row, renditions, thumbnails and source
    are removed for good."""
    video_service.delete_video(
        session=session,
        plugins=platform.plugins,
        owner=user,
        video_id=video_id,
        grace=video_settings(platform.settings).delete_grace,
    )
    session.commit()
    return Response(status_code=204)


@router.post("/{video_id}/restore", response_model=VideoPublic, responses=problems(409))
def restore_video(
    video_id: ObjectKey, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> VideoPublic:
    """Undo the deletion of one of the caller's videos within the grace period (409 when it
    is not deleted or the period has passed; anyone else's answers 404)."""
    video = video_service.restore_video(
        session=session,
        owner=user,
        video_id=video_id,
        grace=video_settings(platform.settings).delete_grace,
    )
    session.commit()
    return render(platform, session, [video])[0]


def playable(
    session: Session,
    platform: Platform,
    video_id: ObjectKey,
    name: str,
    viewer: User | None,
    expires: int | None,
    sig: str | None,
) -> Video:
    """A ready video the request may play: by signature, or by the viewer's rights."""
    signed = video_service.check_playback_signature(
        platform.settings.secret(), video_id, name, expires, sig
    )
    video = session.get(Video, video_id) if len(video_id) <= 32 else None
    if video is None or not video_service.can_play(session, video, viewer, signed=signed):
        raise NotFound("No such video.", slug="video-not-found")
    if video.status != VideoStatus.ready.value or not video.hls_prefix:
        raise NotFound("This video is not ready to play.", slug="video-not-ready")
    return video


def rendition_names(video: Video) -> set[str]:
    """The media playlists a video has: its renditions and, for CMAF, its audio track."""
    names = {r["name"] for r in video.renditions}
    if video.audio_track:
        names.add(video.audio_track["name"])
    return names


def _playlist_response(text: str) -> Response:
    return Response(
        text,
        media_type=PLAYLIST_TYPE,
        headers={"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{video_id}/master.m3u8", response_class=Response)
def master_playlist(
    video_id: ObjectKey,
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
    expires: Expiry | None = None,
    sig: SafeText | None = None,
) -> Response:
    """The HLS master playlist: BANDWIDTH, RESOLUTION and CODECS per rendition."""
    video = playable(session, platform, video_id, MASTER, viewer, expires, sig)
    variants = [
        (
            Variant(
                uri=r["name"],
                bandwidth=r["bandwidth"],
                width=r["width"],
                height=r["height"],
                codecs=r.get("codecs"),
            ),
            playlist_url(platform, video.id, r["name"]),
        )
        for r in video.renditions
    ]
    audio_uri = None
    if video.audio_track:
        audio_uri = playlist_url(platform, video.id, video.audio_track["name"])
    return _playlist_response(render_master(variants, audio_uri))


@router.get("/{video_id}/hls/{name}/index.m3u8", response_class=Response)
def media_playlist(
    video_id: ObjectKey,
    name: Name,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
    expires: Expiry | None = None,
    sig: SafeText | None = None,
) -> Response:
    """One rendition's playlist, segment URIs rewritten to signed storage URLs."""
    video = playable(session, platform, video_id, name, viewer, expires, sig)
    if name not in rendition_names(video):
        raise NotFound("No such rendition.", slug="rendition-not-found")
    assert video.hls_prefix is not None
    storage = platform.storage
    folder = f"{video.hls_prefix}{name}/"
    try:
        text = storage.get(folder + "index.m3u8").decode()
    except ObjectNotFound as exc:
        raise NotFound("No such rendition.", slug="rendition-not-found") from exc
    lifetime = platform.settings.media_url_expires
    rewritten = rewrite_media_playlist(
        text, lambda segment: storage.signed_url(folder + segment, expires_in=lifetime)
    )
    return _playlist_response(rewritten)


@router.post("/{video_id}/views", response_model=ViewResult)
def record_view(
    video_id: ObjectKey,
    body: ViewRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
) -> ViewResult:
    """Count a view (once per viewer per window) and add watch time."""
    video = video_service.get_visible_video(session=session, video_id=video_id, viewer=viewer)
    if video.status != VideoStatus.ready.value:
        raise NotFound("This video is not ready to play.", slug="video-not-ready")
    client = (
        f"{request.client.host if request.client else ''}|{request.headers.get('user-agent', '')}"
    )
    key = video_service.viewer_key(secret=platform.settings.secret(), user=viewer, client=client)
    counted, video = video_service.record_view(
        session=session,
        settings=platform.settings,
        video=video,
        viewer=key,
        watch_seconds=body.watched_seconds,
        position=body.position,
        source=body.source,
        viewer_id=viewer.id if viewer is not None else None,
    )
    session.commit()
    return ViewResult(
        counted=counted, view_count=video.view_count, watch_seconds=video.watch_seconds
    )


@user_videos_router.get("/{username}/videos", response_model=VideoPage)
def user_videos(
    username: Name, session: SessionDep, platform: PlatformDep, viewer: OptionalUser, page: PageDep
) -> VideoPage:
    """``username``'s ready videos the caller may see, newest first: all of them for the
    owner, public ones for others; nothing across a block or, for a private account,
    to anyone but its approved followers."""
    owner = get_visible_user(session, username=username, viewer=viewer)
    rows, cursor = video_service.list_videos(
        session=session,
        viewer=viewer,
        mine=False,
        owner=owner,
        cursor=page.cursor,
        limit=page.limit,
    )
    return VideoPage(items=render(platform, session, rows), next_cursor=cursor)
