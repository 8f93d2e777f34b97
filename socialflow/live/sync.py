"""Bringing a stream's rows in line with what its provider says.

The provider knows when publishers come and go; the platform learns it here,
from :meth:`~socialflow.plugins.protocols.StreamingProvider.broadcasts`
and ``channel_status``: whenever a provider with ``StreamingEvents`` reports
a change, after a stream is ended, and on the beat schedule for all streams
not yet ended. Running it twice, or in two processes at once, changes
nothing twice: a broadcast row is inserted or ignored (unique per stream)
and its end is a compare-and-set, and each event is recorded only by the
run whose write took effect.

Events: ``stream_started`` (a broadcast began), ``stream_ended`` (it
ended, with ``stopped_reason`` when the ingest stopped it for breaking an
operator limit; a one-off stream then ends for good) and, from the recording task,
``recording_ready``.
"""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.live import notices
from socialflow.live.models import LiveBroadcast, LiveStream, RecordingStatus, StreamStatus
from socialflow.live.stream_health import stopped_reason
from socialflow.plugins.protocols import StreamingProvider

BROADCASTS = LiveBroadcast.__table__  # type: ignore[attr-defined]
STREAMS = LiveStream.__table__  # type: ignore[attr-defined]
RECORD_TASK = "socialflow.live.record_broadcast"


def sync_stream(session: Session, provider: StreamingProvider, stream: LiveStream) -> None:
    """Record the broadcasts that started and ended since the last sync, and the stream's status."""
    assert stream.id is not None
    channel = stream.channel_ref
    for broadcast in provider.broadcasts(channel_ref=channel):
        started = broadcast.started_at
        new_id = insert_ignore_key(
            session,
            BROADCASTS,
            {
                "stream_id": stream.id,
                "broadcast_ref": broadcast.broadcast_ref,
                "started_at": started,
                "recording_status": RecordingStatus.none.value,
            },
        )
        if new_id is not None:
            record_event(
                session,
                "stream_started",
                stream_id=stream.id,
                owner_id=stream.owner_id,
                broadcast_id=int(new_id),
                title=stream.title,
            )
            notices.send(session, "live_started", stream.id, int(new_id))
            if stream.started_at is None:
                stream.started_at = started
        if broadcast.status != "ended":
            continue
        ended_at = broadcast.ended_at or utcnow()
        duration = max(0.0, (ended_at - started).total_seconds())
        recording = RecordingStatus.pending if stream.replay else RecordingStatus.none
        row = session.execute(
            select(BROADCASTS.c.id).where(
                and_(
                    BROADCASTS.c.stream_id == stream.id,
                    BROADCASTS.c.broadcast_ref == broadcast.broadcast_ref,
                )
            )
        ).one()
        result = session.execute(
            update(BROADCASTS)
            .where(and_(BROADCASTS.c.id == row.id, BROADCASTS.c.ended_at.is_(None)))
            .values(ended_at=ended_at, duration=duration, recording_status=recording.value)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            record_event(
                session,
                "stream_ended",
                stream_id=stream.id,
                owner_id=stream.owner_id,
                broadcast_id=row.id,
                duration=duration,
                # Set when the ingest stopped it for breaking an operator limit.
                stopped_reason=stopped_reason(provider, channel, broadcast.broadcast_ref),
            )
            if stream.replay:
                enqueue_after_commit(session, RECORD_TASK, row.id, queue="media")
            if not stream.permanent:
                # A one-off stream is over once its broadcast is.
                provider.stop_channel(channel_ref=channel)
    _set_status(session, provider, stream)


def _set_status(session: Session, provider: StreamingProvider, stream: LiveStream) -> None:
    status = StreamStatus(provider.channel_status(channel_ref=stream.channel_ref))
    if stream.status == StreamStatus.ended.value or status.value == stream.status:
        return
    stream.status = status.value
    if status is StreamStatus.ended:
        stream.ended_at = utcnow()
    if status is not StreamStatus.live:
        stream.viewer_count = 0
    session.add(stream)
    session.flush()


def open_streams(session: Session) -> list[LiveStream]:
    """Streams not yet ended (what the scheduled sync looks at)."""
    query = select(LiveStream).where(STREAMS.c.status != StreamStatus.ended.value)
    return list(session.execute(query).scalars())
