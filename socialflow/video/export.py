"""The video app's part of a user's data export: their videos' metadata."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from socialflow.video.models import Video


def videos_section(session: Session, user_id: int) -> list[dict[str, Any]]:
    videos = session.exec(select(Video).where(Video.owner_id == user_id))
    return [
        {
            "id": v.id,
            "title": v.title,
            "description": v.description,
            "visibility": v.visibility,
            "status": v.status,
            "duration": v.duration,
            "width": v.width,
            "height": v.height,
        }
        for v in videos
    ]
