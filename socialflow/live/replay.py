"""Chat replay: a recorded broadcast's chat, placed on its video's timeline.

When a broadcast's recording becomes an on-demand video
(:mod:`socialflow.live.recording`), the chat written during that broadcast
plays back beside it: each message carries its ``offset``, the seconds
between the broadcast's start (where the recording starts) and the message.
A permanent stream goes live many times; each broadcast has its own video
and so its own replay, holding only the messages of its own session.

Left out: messages the owner deleted, and every message of a user the owner
banned from the chat for good (what got them banned is not replayed).
Readers page through a window of the timeline (``from``/``to`` in seconds),
in the order the messages were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from socialflow.accounts.models import User
from socialflow.core.errors import NotFound
from socialflow.live.models import LiveBroadcast, LiveChatBan, LiveChatMessage

BANS = LiveChatBan.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReplayMessage:
    message: LiveChatMessage
    author: User
    offset: float


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def broadcast_of(session: Session, video_id: str) -> LiveBroadcast:
    """The broadcast whose recording is ``video_id`` (404 when the video is not one)."""
    broadcast: LiveBroadcast | None = session.execute(
        select(LiveBroadcast).where(col(LiveBroadcast.video_id) == video_id)
    ).scalar_one_or_none()
    if broadcast is None or broadcast.started_at is None:
        raise NotFound("This video has no chat replay.", slug="live-replay-not-found")
    return broadcast


def window(
    session: Session,
    broadcast: LiveBroadcast,
    *,
    start: float,
    end: float | None,
    after: int | None,
    limit: int,
) -> list[ReplayMessage]:
    """Messages from ``start`` up to (not including) ``end`` seconds into the recording,
    oldest first, after the message id ``after`` (the previous page's last)."""
    assert broadcast.started_at is not None
    began = _aware(broadcast.started_at)
    last = broadcast.ended_at
    if last is None and broadcast.duration is not None:
        last = began + timedelta(seconds=broadcast.duration)
    query = (
        select(LiveChatMessage, User)
        .join(User, col(User.id) == col(LiveChatMessage.user_id))
        .where(
            col(LiveChatMessage.stream_id) == broadcast.stream_id,
            col(LiveChatMessage.deleted_at).is_(None),
            col(LiveChatMessage.created_at) >= began + timedelta(seconds=start),
            col(LiveChatMessage.user_id).not_in(
                select(BANS.c.user_id).where(
                    BANS.c.stream_id == broadcast.stream_id, BANS.c.until.is_(None)
                )
            ),
        )
    )
    if end is not None:
        query = query.where(col(LiveChatMessage.created_at) < began + timedelta(seconds=end))
    if last is not None:
        query = query.where(col(LiveChatMessage.created_at) <= _aware(last))
    if after is not None:
        query = query.where(col(LiveChatMessage.id) > after)
    rows = session.execute(query.order_by(col(LiveChatMessage.id)).limit(limit)).all()
    return [
        ReplayMessage(
            message=row[0],
            author=row[1],
            offset=round((_aware(row[0].created_at) - began).total_seconds(), 3),
        )
        for row in rows
    ]
