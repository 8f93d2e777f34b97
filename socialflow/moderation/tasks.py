"""Celery tasks of the moderation app: lifting suspensions whose period is over."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of

EXPIRE_TASK = "socialflow.moderation.expire_suspensions"


@shared_task(name=EXPIRE_TASK, bind=True)  # type: ignore[untyped-decorator]
def expire_suspensions(self: Any) -> int:
    """Reinstate accounts whose suspension ran out (beat; idempotent: a lifted one is
    marked undone in the same transaction)."""
    from socialflow.moderation.actions import expire_suspensions as expire

    platform = platform_of(self.app)
    with platform.session() as session:
        ended = expire(session, platform)
        session.commit()
    return ended
