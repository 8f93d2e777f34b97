"""Moderator-side changes to videos: no owner check, the usual events.

The moderation app hides and restores videos by setting their visibility
(``video_updated``, as the owner's own edit sends: every cached post carrying
the video is redrawn), removes them as the owner's deletion does (soft, purged
after the grace period) but under its locked audience so that only a
moderator brings them back, or, under a legal hold, deletes the row at once
and keeps the stored bytes. The caller commits.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import NotFound
from socialflow.core.indexing import queue_video
from socialflow.plugins.manager import SocialflowPluginManager
from socialflow.video.models import Video, VideoStatus
from socialflow.video.videos import remove_now, soft_delete, undelete


def _video(session: Session, video_id: str) -> Video:
    video = session.get(Video, video_id)
    if video is None:
        raise NotFound("No such video.")
    return video


def set_video_visibility(session: Session, *, video_id: str, visibility: str) -> str:
    """Set a video's visibility as a moderator; returns the previous one."""
    video = _video(session, video_id)
    previous = video.visibility
    if visibility != previous:
        video.visibility = visibility
        video.updated_at = utcnow()
        session.add(video)
        record_event(
            session,
            "video_updated",
            video_id=video.id,
            owner_id=video.owner_id,
            fields=["visibility"],
        )
        queue_video(session, video.id)
    return previous


def set_video_removed(session: Session, *, video_id: str, removed: bool, visibility: str) -> None:
    """Remove a video softly (``deleted``, shown to nobody, under a locked audience's
    ``visibility`` so that its owner cannot restore it) or bring it back with ``visibility``.

    The purge removes a removed video for good once the video grace period has
    passed, as it does for its owner's deletions.
    """
    video = _video(session, video_id)
    if removed:
        video.visibility = visibility
        soft_delete(session, video)
    elif video.status == VideoStatus.deleted.value:
        video.visibility = visibility
        undelete(session=session, video=video)


def remove_video(session: Session, *, plugins: SocialflowPluginManager, video_id: str) -> list[str]:
    """Delete the video's row now and keep its stored bytes (a legal hold); returns the
    prefixes holding them."""
    return remove_now(
        session=session, plugins=plugins, video=_video(session, video_id), keep_storage=True
    )
