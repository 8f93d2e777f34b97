"""Media tasks on the ``media`` queue: process a video; sweep stale jobs and expired uploads;
purge videos deleted longer than their grace period ago.

Both are idempotent. ``process_video`` is safe to run twice or after a
killed worker (see :mod:`socialflow.video.videos`). Celery beat queues
``sweep`` every ``media_sweep_interval`` seconds (see
``socialflow.video.hooks``), and every worker queues
one when it starts, so a restarted worker recovers at once: a job whose
worker died (stale heartbeat) is queued again, unfinished uploads past
``Upload-Expires`` are deleted (with their bytes and their ``uploading`` video),
and upload quota charges leave the 24-hour window. Several sweeps at once are harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from socialflow.core.celery import MEDIA_QUEUE, platform_of
from socialflow.video import upload_quotas
from socialflow.video import uploads as upload_service
from socialflow.video import videos as video_service
from socialflow.video.settings import video_settings

logger = logging.getLogger("socialflow.video.tasks")
SWEEP_TASK = "socialflow.media.sweep"
MEDIA_SWEEP_TASK = SWEEP_TASK
PURGE_DELETED_TASK = "socialflow.media.purge_deleted"


@shared_task(name="socialflow.media.process_video", bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def process_video(self: Any, video_id: str) -> str:
    """Probe, transcode to HLS, publish; the outcome line is the task result."""
    platform = platform_of(self.app)
    outcome = video_service.process_video(
        sessions=platform.session,
        storage=platform.storage,
        settings=platform.settings,
        video_id=video_id,
        platform=platform,
    )
    logger.info("video %s: %s", video_id, outcome)
    return outcome


@shared_task(  # type: ignore[untyped-decorator]
    name=video_service.DELETE_STORAGE_TASK,
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def delete_video_storage(self: Any, prefixes: list[str]) -> int:
    """Remove a deleted video's stored objects; retried with backoff while storage fails
    (idempotent: a prefix already empty deletes nothing)."""
    platform = platform_of(self.app)
    removed = video_service.delete_stored(platform.storage, prefixes)
    logger.info("deleted %d stored objects under %s", removed, ", ".join(prefixes))
    return removed


@shared_task(name=PURGE_DELETED_TASK, bind=True)  # type: ignore[untyped-decorator]
def purge_deleted(self: Any) -> list[str]:
    """Remove for good the videos deleted longer than ``delete_grace_hours`` ago (their
    rows now, their stored bytes by ``delete_video_storage``); idempotent."""
    platform = platform_of(self.app)
    grace = video_settings(platform.settings).delete_grace
    with platform.session() as session:
        purged = video_service.purge_deleted(session=session, plugins=platform.plugins, grace=grace)
        session.commit()
    if purged:
        logger.info("purged %d deleted videos", len(purged))
    return purged


@shared_task(name=SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> dict[str, Any]:
    """Requeue videos whose job died; delete expired unfinished uploads (freeing their
    in-flight quota) and upload quota charges older than a day."""
    platform = platform_of(self.app)
    with platform.session() as session:
        requeued = video_service.sweep_stale_jobs(session=session, settings=platform.settings)
        session.commit()
    with platform.session() as session:
        expired = upload_service.expire_uploads(session=session, storage=platform.storage)
    with platform.session() as session:
        charges = upload_quotas.prune_charges(session=session)
        session.commit()
    return {
        "requeued": requeued,
        "expired_uploads": expired,
        "pruned_upload_charges": charges,
    }


@worker_ready.connect  # type: ignore[untyped-decorator]
def _sweep_on_start(sender: Any = None, **_: Any) -> None:
    """In each worker's main process: queue one sweep now (beat does the periodic ones)."""
    app = getattr(sender, "app", None)
    if app is None or getattr(app, "socialflow_platform", None) is None:
        return
    try:
        app.send_task(SWEEP_TASK, queue=MEDIA_QUEUE)
    except Exception:
        logger.exception("could not queue the media sweep")
