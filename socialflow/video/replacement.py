"""Which video a ``replaces`` tus upload may give a new source.

A replacement upload attaches to an existing video instead of creating one
(:func:`socialflow.video.uploads.create_upload`); its processing keeps the
current renditions playing until the pointer swap (:mod:`socialflow.video.videos`).
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.errors import Conflict, NotFound
from socialflow.video.models import Video, VideoStatus


def replaced_video(session: Session, owner: User, video_id: str | None) -> Video | None:
    """The video a ``replaces`` upload gives a new source: one of the owner's, ready or
    failed, with no other job or replacement under way (404 / 409 otherwise)."""
    if video_id is None:
        return None
    video = session.get(Video, video_id) if len(video_id) <= 32 else None
    if video is None or video.owner_id != owner.id:
        raise NotFound("No such video.", slug="video-not-found")
    idle = video.status in (VideoStatus.ready.value, VideoStatus.failed.value)
    if not idle or video.reprocessing or video.replacement_upload_id:
        raise Conflict(
            "This video is being uploaded, processed or deleted; replace it once that is done.",
            slug="video-busy",
        )
    return video
