"""Queue search (re)indexing after a commit: the names of the index tasks and small helpers.

Kept apart from :mod:`socialflow.search.service` (which hydrates results
through posts and videos) so that the domains whose changes must reach the
index (users, posts, videos) can import it without an import cycle.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.core.effects import enqueue_after_commit

INDEX_POST_TASK = "socialflow.search.index_post"
INDEX_USER_TASK = "socialflow.search.index_user"
INDEX_VIDEO_TASK = "socialflow.search.index_video"


def queue_post(session: Session, post_id: int | None) -> None:
    """Re-index ``post_id`` once ``session`` commits (created, edited, deleted)."""
    if post_id is not None:
        enqueue_after_commit(session, INDEX_POST_TASK, post_id)


def queue_user(session: Session, user_id: int | None) -> None:
    """Re-index ``user_id`` once ``session`` commits (registration, profile, state)."""
    if user_id is not None:
        enqueue_after_commit(session, INDEX_USER_TASK, user_id)


def queue_video(session: Session, video_id: str | None) -> None:
    """Re-index ``video_id`` once ``session`` commits (ready, title change, deletion)."""
    if video_id is not None:
        enqueue_after_commit(session, INDEX_VIDEO_TASK, video_id)
