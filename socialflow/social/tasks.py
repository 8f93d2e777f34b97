"""Social tasks: the sweep of post images that no post took.

Celery beat queues it every ``media_sweep_interval`` seconds (see
``socialflow.social.hooks``); images uploaded for a post that never came are
deleted, bytes first, once ``image_unattached_seconds`` have passed.
Idempotent: several sweeps at once are harmless.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of
from socialflow.social import images as image_service

SWEEP_IMAGES_TASK = "socialflow.social.sweep_images"


@shared_task(name=SWEEP_IMAGES_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep_images(self: Any) -> int:
    """Delete post images left unattached too long; returns how many went."""
    platform = platform_of(self.app)
    with platform.session() as session:
        return image_service.sweep_unattached(
            session=session, storage=platform.storage, settings=platform.settings
        )
