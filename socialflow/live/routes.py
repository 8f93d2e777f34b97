"""``/live``: streams (create, list, read, rotate the key, end) and hosted playback.

Another user's stream is 404 for every owner action (key, end), and for reads
when its owner's videos are hidden from the caller (blocks, private
accounts). The stream key appears in the answers of creation and rotation
only, and is never logged.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import Session

from socialflow.accounts.deps import CurrentUser, OptionalUser
from socialflow.accounts.models import User
from socialflow.core.errors import NotFound, Unauthorized
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.live import streams
from socialflow.live.channels import streaming_provider
from socialflow.live.models import LiveStream
from socialflow.live.schemas import (
    StreamCreate,
    StreamCreated,
    StreamKey,
    StreamOut,
    StreamOwner,
    StreamPage,
)
from socialflow.live.settings import live_settings
from socialflow.live.sync import sync_stream
from socialflow.plugins.protocols import HostedIngest

router = APIRouter(prefix="/live", tags=["live"])
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
PLAY_PATH = re.compile(r"^[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,2}$")


def _out(session: Session, stream: LiveStream, viewer: User | None) -> StreamOut:
    owner = session.get(User, stream.owner_id)
    assert owner is not None
    assert owner.id is not None
    mine = viewer is not None and viewer.id == stream.owner_id
    return StreamOut(
        id=stream.id or 0,
        owner=StreamOwner(id=owner.id, username=owner.username, display_name=owner.display_name),
        title=stream.title,
        status=stream.status,
        replay=stream.replay,
        permanent=stream.permanent,
        scheduled_at=stream.scheduled_at,
        countdown=streams.countdown(stream),
        playback_url=stream.playback_url,
        viewer_count=stream.viewer_count,
        peak_viewers=stream.peak_viewers,
        total_viewers=stream.total_viewers,
        recording_video_id=stream.recording_video_id,
        created_at=stream.created_at,
        started_at=stream.started_at,
        ended_at=stream.ended_at,
        ingest_url=stream.ingest_url if mine else None,
    )


@router.post("/streams", response_model=StreamCreated, status_code=201, responses=problems(409))
def create_stream(
    body: StreamCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> StreamCreated:
    """Create a stream: the answer holds the ingest URL and the stream key (shown once).

    With ``scheduled_at`` (future, within a year) the stream is announced as
    scheduled and shows a countdown until it first goes live.
    """
    stream, key = streams.create_stream(
        session,
        streaming_provider(platform),
        owner=user,
        title=body.title,
        replay=body.replay,
        permanent=body.permanent,
        scheduled_at=body.scheduled_at,
        max_open=live_settings(platform).max_open_streams,
    )
    session.commit()
    return StreamCreated(**_out(session, stream, user).model_dump(), stream_key=key)


@router.get("/streams", response_model=StreamPage)
def list_streams(
    session: SessionDep,
    viewer: OptionalUser,
    page: PageDep,
    mine: Annotated[bool, Query(description="The caller's streams, any status.")] = False,
) -> StreamPage:
    """Streams live now that the caller may see, newest first (or the caller's own)."""
    if mine and viewer is None:
        raise Unauthorized()
    found, last = streams.list_streams(
        session, viewer=viewer, mine=mine, before=page.id_cursor(), limit=page.limit
    )
    return StreamPage(
        items=[_out(session, s, viewer) for s in found],
        next_cursor=str(last) if last is not None and len(found) == page.limit else None,
    )


@router.get("/streams/{stream_id}", response_model=StreamOut)
def read_stream(stream_id: DbId, session: SessionDep, viewer: OptionalUser) -> StreamOut:
    stream = streams.get_visible_stream(session, stream_id=stream_id, viewer=viewer)
    return _out(session, stream, viewer)


@router.post("/streams/{stream_id}/key", response_model=StreamKey, responses=problems(409))
def rotate_key(
    stream_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> StreamKey:
    """A new stream key (the owner's only); the old one stops working at once."""
    stream, key = streams.rotate_key(
        session, streaming_provider(platform), owner=user, stream_id=stream_id
    )
    session.commit()
    return StreamKey(ingest_url=stream.ingest_url, stream_key=key)


@router.post("/streams/{stream_id}/end", response_model=StreamOut, responses=problems(409))
def end_stream(
    stream_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> StreamOut:
    """End the stream for good (the owner's only); with replay on, its recording follows."""
    provider = streaming_provider(platform)
    stream = streams.end_stream(session, provider, owner=user, stream_id=stream_id)
    sync_stream(session, provider, stream)
    session.commit()
    return _out(session, stream, user)


@router.get("/play/{channel_ref}/{path:path}", response_class=Response)
def play(
    channel_ref: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,128}$")],
    path: str,
    platform: PlatformDep,
) -> Response:
    """Live HLS of a hosted-ingest channel: the master, windowed media playlists, segments.

    The channel ref is unguessable and only handed out with the stream, like
    a signed URL: players fetch without credentials.
    """
    provider = streaming_provider(platform)
    if not isinstance(provider, HostedIngest) or not PLAY_PATH.match(path) or ".." in path:
        raise NotFound("No such live file.", slug="live-file-not-found")
    try:
        body = provider.open_playback(channel_ref=channel_ref, path=path)
    except (KeyError, OSError):
        raise NotFound("No such live file.", slug="live-file-not-found") from None
    if path.endswith(".m3u8"):
        return Response(
            body,
            media_type=PLAYLIST_TYPE,
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )
    return Response(
        body, media_type="video/mp2t", headers={"Cache-Control": "public, max-age=3600"}
    )
