"""Moderator-side changes to videos: no owner check, the usual events.

The moderation app hides and restores videos by setting their visibility
(``video_updated``, as the owner's own edit sends: every cached post carrying
the video is redrawn), and removes them for good through
:func:`socialflow.video.videos.delete_video`'s path, keeping the stored bytes
when asked to (a legal hold). The caller commits.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.core.db.base import utcnow
from socialflow.core.effects import enqueue_after_commit, record_event
from socialflow.core.errors import NotFound
from socialflow.core.indexing import queue_video
from socialflow.plugins.manager import SocialflowPluginManager
from socialflow.video.models import Video
from socialflow.video.videos import DELETE_STORAGE_TASK, storage_prefixes


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


def remove_video(
    session: Session, *, plugins: SocialflowPluginManager, video_id: str, keep_storage: bool
) -> list[str]:
    """Delete the video's row now; its stored objects go after the commit unless
    ``keep_storage`` (returned either way: the prefixes holding its bytes)."""
    video = _video(session, video_id)
    owner_id = video.owner_id
    prefixes = storage_prefixes(session, video)
    plugins.hook.socialflow_object_deleting(
        session=session, kind="video", object_id=video.id, **plugins.hook_context()
    )
    session.delete(video)
    record_event(session, "video_deleted", video_id=video_id, owner_id=owner_id)
    queue_video(session, video_id)
    if not keep_storage:
        enqueue_after_commit(session, DELETE_STORAGE_TASK, prefixes, queue="media")
    return prefixes
