"""``/videos``: a video's state and playback, the caller's list, and views.

Playlists are served by the app (they are tiny and carry per-viewer signed
URLs); segments, poster and storyboard come from the storage backend's
signed URLs, so with S3/GCS/Azure (or a CDN in front) video bytes never pass
through the API. Another user's private or unready video answers 404.

Long because these routes share one rule of ownership (an owner's edit,
cover upload, delete and restore answer 404 for anyone else's video) and
one rendering of a video for its viewers; split, each part would repeat them.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser, DetachedUser, OptionalUser
from socialflow.accounts.models import User
from socialflow.core.errors import NotFound, Problem
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep, in_session
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.image_form import decode_limiter, image_upload_openapi, read_image_form
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import streams_body
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import Expiry, Name, ObjectKey, SafeText
from socialflow.core.platform import Platform
from socialflow.graph.relations import get_visible_user
from socialflow.plugins.protocols import ObjectNotFound
from socialflow.video import thumbnails
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
logger = logging.getLogger("socialflow.video")
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
    before = video_service.get_own_video(session=session, owner=user, video_id=video_id)
    cover = before.thumbnail_key if thumbnails.is_cover(before, before.thumbnail_key) else None
    video = video_service.update_video(
        session=session, owner=user, video_id=video_id, changes=changes
    )
    session.commit()
    if cover is not None and video.thumbnail_key != cover:
        _delete_stored(platform, cover)  # a frame replaced the uploaded image
    return render(platform, session, [video])[0]


def _delete_stored(platform: Platform, key: str) -> None:
    """Remove a replaced cover after the commit; a failure leaves an orphan under the
    video's prefix (removed with the video), never a row pointing at nothing."""
    try:
        platform.storage.delete(key)
    except Exception:
        logger.warning("could not delete stored object %s", key, exc_info=True)


class CoverTooLarge(Problem):
    status, slug, title = 413, "thumbnail-too-large", "Thumbnail too large"


@router.put(
    "/{video_id}/thumbnail",
    response_model=VideoPublic,
    openapi_extra=image_upload_openapi(),
    responses=problems(404, 409, 413, 415, 422),
)
@streams_body
async def upload_thumbnail(
    video_id: ObjectKey, request: Request, caller: DetachedUser, platform: PlatformDep
) -> VideoPublic:
    """Upload an image as the thumbnail of one of the caller's ready videos (anyone
    else's answers 404), in place of the chosen frame; ``PATCH`` with
    ``thumbnail_choice`` goes back to a frame.

    The body streams through ``image_max_bytes`` (413 as soon as it passes). The type
    is sniffed from the bytes (415 for anything but JPEG, PNG, WebP or GIF), the
    pixel count is checked before decoding (422 over ``image_max_pixels``), and the
    image is re-encoded as a JPEG without its metadata, stored beside the video's
    other outputs. Reprocessing the video keeps it.
    """

    def owned(*, session: Session) -> None:
        user = session.get(User, caller.id)
        assert user is not None
        video_service.get_own_video(session=session, owner=user, video_id=video_id)

    await in_session(platform, owned)  # 404 before a byte of someone else's upload is read
    limit = platform.settings.image_max_bytes
    form = await read_image_form(
        request,
        limit=limit,
        too_large=lambda: CoverTooLarge(f"Thumbnails may be at most {limit} bytes."),
    )

    def store(*, session: Session) -> tuple[VideoPublic, str | None]:
        user = session.get(User, caller.id)
        assert user is not None
        video = video_service.get_own_video(session=session, owner=user, video_id=video_id)
        previous = thumbnails.set_cover(
            session=session,
            settings=platform.settings,
            storage=platform.storage,
            video=video,
            owner=user,
            data=form.data,
        )
        session.commit()
        session.refresh(video)
        return render(platform, session, [video])[0], previous

    public, previous = await in_session(platform, store, limiter=decode_limiter(platform))
    if previous is not None:
        _delete_stored(platform, previous)
    return public


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
