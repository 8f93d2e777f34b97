"""The live app's part of a user's data export: their streams and chat messages.

Never a stream key (the platform does not keep one) nor provider internals.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from socialflow.core.db.base import iso_or_none
from socialflow.live.models import LiveChatMessage, LiveStream


def export_for(session: Session, user_id: int) -> dict[str, Any]:
    streams = session.exec(
        select(LiveStream).where(LiveStream.owner_id == user_id).order_by(col(LiveStream.id))
    )
    messages = session.exec(
        select(LiveChatMessage)
        .where(LiveChatMessage.user_id == user_id, col(LiveChatMessage.deleted_at).is_(None))
        .order_by(col(LiveChatMessage.id))
    )
    return {
        "live_streams": [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "replay": s.replay,
                "permanent": s.permanent,
                "created_at": iso_or_none(s.created_at),
                "started_at": iso_or_none(s.started_at),
                "ended_at": iso_or_none(s.ended_at),
                "recording_video_id": s.recording_video_id,
                "peak_viewers": s.peak_viewers,
                "total_viewers": s.total_viewers,
            }
            for s in streams
        ],
        "live_chat_messages": [
            {
                "id": m.id,
                "stream_id": m.stream_id,
                "text": m.text,
                "created_at": iso_or_none(m.created_at),
            }
            for m in messages
        ],
    }
