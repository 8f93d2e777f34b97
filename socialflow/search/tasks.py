"""Search index tasks: queued after the commit of the change they index.

Each one re-reads the row and indexes it or drops it, so they are idempotent
and order-insensitive: a redelivered or late message indexes the current
state, never a stale one.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of
from socialflow.core.indexing import INDEX_POST_TASK, INDEX_USER_TASK, INDEX_VIDEO_TASK
from socialflow.search import service as search


@shared_task(name=INDEX_POST_TASK, bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def index_post(self: Any, post_id: int) -> None:
    """Keep the search backend in step with a post (created, edited or deleted)."""
    platform = platform_of(self.app)
    with platform.session() as session:
        search.sync_post(platform, session, post_id)


@shared_task(name=INDEX_USER_TASK, bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def index_user(self: Any, user_id: int) -> None:
    """Keep the search backend in step with an account (registered, edited, suspended...)."""
    platform = platform_of(self.app)
    with platform.session() as session:
        search.sync_user(platform, session, user_id)


@shared_task(name=INDEX_VIDEO_TASK, bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def index_video(self: Any, video_id: str) -> None:
    """Keep the search backend in step with a video (ready, renamed, deleted)."""
    platform = platform_of(self.app)
    with platform.session() as session:
        search.sync_video(platform, session, video_id)
