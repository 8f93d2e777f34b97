"""Live tasks: copy a finished broadcast into a video; sync open streams on a schedule.

Both are idempotent: the recording job resumes from its durable steps
(:mod:`socialflow.live.recording`) and the sync writes each fact once
(:mod:`socialflow.live.sync`).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of
from socialflow.live import notices, recording
from socialflow.live.channels import streaming_provider
from socialflow.live.sync import RECORD_TASK, open_streams, sync_stream

logger = logging.getLogger("socialflow.live")
SYNC_TASK = "socialflow.live.sync"
END_USER_STREAMS_TASK = "socialflow.live.end_user_streams"
MAX_RECORD_RETRIES = 3


@shared_task(name=RECORD_TASK, bind=True, acks_late=True, max_retries=MAX_RECORD_RETRIES)  # type: ignore[untyped-decorator]
def record_broadcast(self: Any, broadcast_id: int) -> str | None:
    platform = platform_of(self.app)
    try:
        return recording.record_broadcast(platform, broadcast_id)
    except Exception as exc:
        if self.request.retries >= MAX_RECORD_RETRIES or platform.celery.conf.task_always_eager:
            logger.exception("recording of broadcast %s failed", broadcast_id)
            recording.mark_failed(platform, broadcast_id)
            return None
        raise self.retry(exc=exc, countdown=10 * (self.request.retries + 1)) from exc


@shared_task(name=SYNC_TASK, bind=True)  # type: ignore[untyped-decorator]
def sync_open_streams(self: Any) -> int:
    """Ask the provider about every stream not yet ended; returns how many were looked at."""
    platform = platform_of(self.app)
    provider = streaming_provider(platform)
    with platform.session() as session:
        streams = open_streams(session)
        for stream in streams:
            try:
                sync_stream(session, provider, stream)
            except KeyError:
                logger.warning("live stream %s: its channel is unknown to the provider", stream.id)
        session.commit()
        return len(streams)


@shared_task(name=END_USER_STREAMS_TASK, bind=True)  # type: ignore[untyped-decorator]
def end_user_streams(self: Any, user_id: int) -> int:
    """End every open stream of a suspended or deleted account (its publishers dropped)."""
    platform = platform_of(self.app)
    provider = streaming_provider(platform)
    with platform.session() as session:
        streams = [s for s in open_streams(session) if s.owner_id == user_id]
        for stream in streams:
            try:
                provider.stop_channel(channel_ref=stream.channel_ref)
                sync_stream(session, provider, stream)
            except KeyError:
                logger.warning("live stream %s: its channel is unknown to the provider", stream.id)
        session.commit()
        return len(streams)


@shared_task(name=notices.NOTIFY_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def notify_followers(self: Any, kind: str, stream_id: int, broadcast_id: int | None) -> int:
    """Followers hear of a live (started or scheduled), in batches (idempotent)."""
    return notices.notify_followers(platform_of(self.app), kind, stream_id, broadcast_id)
