"""Live streams: create, read, rotate the key, end; who may see which.

Services over a session and plain arguments; the route commits. The
provider is passed in (:func:`socialflow.live.channels.streaming_provider`).
A provider call cannot be rolled back with the transaction, so each service
calls it last, after every check that could fail, and a stream whose
insert fails has its new channel stopped again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from socialflow.accounts.models import User
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict, NotFound, Problem, ValidationProblem
from socialflow.live import notices
from socialflow.live.models import LiveStream, StreamStatus
from socialflow.live.schemas import Countdown
from socialflow.plugins.audiences import audiences_of
from socialflow.plugins.protocols import StreamingProvider
from socialflow.video.videos import owner_allows


def _channel_lost() -> Problem:
    return Problem(
        "The streaming provider no longer knows this stream's channel.",
        status=409,
        slug="live-channel-missing",
    )


def _not_found() -> NotFound:
    return NotFound("No such live stream.", slug="live-stream-not-found")


def create_stream(
    session: Session,
    provider: StreamingProvider,
    *,
    owner: User,
    title: str,
    replay: bool,
    permanent: bool,
    scheduled_at: datetime | None,
    max_open: int,
) -> tuple[LiveStream, str]:
    """A new stream on a new channel; returns it and its stream key (shown once)."""
    assert owner.id is not None
    _check_schedule(scheduled_at)
    open_count = session.execute(
        select(func.count())
        .select_from(LiveStream)
        .where(LiveStream.owner_id == owner.id, LiveStream.status != StreamStatus.ended.value)
    ).scalar_one()
    if open_count >= max_open:
        raise Problem(
            f"You already have {open_count} streams that have not ended; end one first.",
            status=409,
            slug="too-many-live-streams",
        )
    channel = provider.create_channel(owner_id=str(owner.id), title=title, record=replay)
    stream = LiveStream(
        owner_id=owner.id,
        title=title,
        replay=replay,
        permanent=permanent,
        scheduled_at=scheduled_at,
        provider=provider.name,
        channel_ref=channel.channel_ref,
        ingest_url=channel.ingest_url,
        playback_url=channel.playback_url,
    )
    try:
        session.add(stream)
        session.flush()
    except Exception:
        provider.stop_channel(channel_ref=channel.channel_ref)
        raise
    if scheduled_at is not None:
        record_event(
            session,
            "live_scheduled",
            stream_id=stream.id,
            owner_id=owner.id,
            title=stream.title,
            scheduled_at=scheduled_at.isoformat(),
        )
        notices.send(session, "live_scheduled", stream.id)
    return stream, channel.stream_key


MAX_SCHEDULE_AHEAD = timedelta(days=366)


def _check_schedule(scheduled_at: datetime | None) -> None:
    """A schedule is a moment to come (time zone given), at most a year ahead."""
    if scheduled_at is None:
        return
    if scheduled_at.tzinfo is None:
        raise ValidationProblem(
            "scheduled_at needs a time zone (2026-12-13T18:00:00Z).", slug="live-schedule-invalid"
        )
    now = utcnow()
    if scheduled_at <= now or scheduled_at - now > MAX_SCHEDULE_AHEAD:
        raise ValidationProblem(
            "scheduled_at must be in the future and within a year.", slug="live-schedule-invalid"
        )


def countdown(stream: LiveStream) -> Countdown | None:
    """The countdown of a scheduled stream that has not gone live yet (else None)."""
    if stream.scheduled_at is None or stream.started_at is not None:
        return None
    if stream.status != StreamStatus.idle.value:
        return None
    at = stream.scheduled_at
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=utcnow().tzinfo)
    left = max(0, int((at - utcnow()).total_seconds()))
    return Countdown(scheduled_at=at, seconds_left=left, state="upcoming" if left else "due")


def may_see(session: Session, stream: LiveStream, viewer: User | None) -> bool:
    """The owner always; others as they may see the owner's videos (blocks, private
    accounts) and, for a stream kept to an audience (subscribers), if it admits them."""
    viewer_id = viewer.id if viewer is not None else None
    if viewer_id == stream.owner_id:
        return True
    if stream.visibility != "public" and not audiences_of(session).admits(
        session, viewer_id, stream.visibility, stream.owner_id
    ):
        return False
    return owner_allows(session, viewer_id, stream.owner_id)


def get_visible_stream(session: Session, *, stream_id: int, viewer: User | None) -> LiveStream:
    stream = session.get(LiveStream, stream_id)
    if stream is None or not may_see(session, stream, viewer):
        raise _not_found()
    return stream


def get_own_stream(session: Session, *, owner: User, stream_id: int) -> LiveStream:
    """One of ``owner``'s streams; anyone else's is 404 like a missing one."""
    stream = session.get(LiveStream, stream_id)
    if stream is None or stream.owner_id != owner.id:
        raise _not_found()
    return stream


def rotate_key(
    session: Session, provider: StreamingProvider, *, owner: User, stream_id: int
) -> tuple[LiveStream, str]:
    """A new stream key; the old one stops working and its publisher is dropped."""
    stream = get_own_stream(session, owner=owner, stream_id=stream_id)
    if stream.status == StreamStatus.ended.value:
        raise Conflict("This stream has ended.", slug="live-stream-ended")
    stream.key_rotated_at = utcnow()
    session.add(stream)
    session.flush()
    try:
        key = provider.rotate_key(channel_ref=stream.channel_ref)
    except KeyError:
        raise _channel_lost() from None
    return stream, key


def end_stream(
    session: Session, provider: StreamingProvider, *, owner: User, stream_id: int
) -> LiveStream:
    """End the stream for good (the publisher is dropped); ending twice is fine."""
    stream = get_own_stream(session, owner=owner, stream_id=stream_id)
    if stream.status != StreamStatus.ended.value:
        try:
            provider.stop_channel(channel_ref=stream.channel_ref)
        except KeyError:
            raise _channel_lost() from None
    return stream


def list_streams(
    session: Session,
    *,
    viewer: User | None,
    mine: bool,
    before: int | None,
    limit: int,
) -> tuple[list[LiveStream], int | None]:
    """Live streams the viewer may see (or all the caller's own, ``mine``), newest first."""
    query: Any = select(LiveStream)
    if mine:
        assert viewer is not None
        query = query.where(LiveStream.owner_id == viewer.id)
    else:
        query = query.where(LiveStream.status == StreamStatus.live.value)
    if before is not None:
        query = query.where(col(LiveStream.id) < before)
    found: list[LiveStream] = []
    last_id: int | None = None
    # Visibility is per owner (blocks, private accounts): read in batches until a page is full.
    while len(found) < limit:
        batch = list(session.exec(query.order_by(col(LiveStream.id).desc()).limit(limit * 2)))
        if not batch:
            return found, None
        for stream in batch:
            last_id = stream.id
            if mine or may_see(session, stream, viewer):
                found.append(stream)
                if len(found) == limit:
                    return found, last_id
        query = query.where(col(LiveStream.id) < last_id)
    return found, last_id
