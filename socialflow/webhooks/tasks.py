"""Webhook tasks: one delivery attempt; the sweep of lost deliveries and old log entries.

``deliver`` is idempotent (it claims the delivery first, see
:mod:`socialflow.webhooks.deliveries`): a duplicate message, an early one or
one for a disabled endpoint does nothing. After a failed attempt it queues
itself again with the retry delay as countdown; should that message be lost,
the sweep (Celery beat, every ``sweep_interval`` seconds) queues the
delivery again once it is overdue by ``sweep_grace_seconds`` (``[plugin.webhooks]``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from socialflow.core.celery import DEFAULT_QUEUE, platform_of
from socialflow.core.effects import PendingTask
from socialflow.core.platform import Platform
from socialflow.webhooks import deliveries
from socialflow.webhooks.capture import DELIVER_TASK
from socialflow.webhooks.settings import webhook_settings

logger = logging.getLogger("socialflow.webhooks")
SWEEP_TASK = "socialflow.webhooks.sweep"


def send_delivery(platform: Platform, delivery_id: int, countdown: float | None = None) -> None:
    """Queue an attempt of ``delivery_id`` (after ``countdown`` seconds)."""
    task = PendingTask(DELIVER_TASK, (delivery_id,), queue=DEFAULT_QUEUE, countdown=countdown)
    platform.enqueue(task)


@shared_task(name=DELIVER_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def deliver(self: Any, delivery_id: int) -> str:
    platform = platform_of(self.app)
    outcome = deliveries.attempt(
        platform.session, platform.settings, webhook_settings(platform), delivery_id
    )
    # Eager (tests): a countdown cannot wait, and the retry would only find the delivery
    # not yet due; the sweep drives retries there.
    if outcome.retry_in is not None and not platform.celery.conf.task_always_eager:
        try:
            send_delivery(platform, delivery_id, countdown=outcome.retry_in)
        except Exception:
            # The row says when it is due: the sweep queues it again.
            logger.exception("could not queue the retry of webhook delivery %s", delivery_id)
    return outcome.state


@shared_task(name=SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> dict[str, int]:
    """Queue deliveries whose task was lost; delete log entries past the retention."""
    platform = platform_of(self.app)
    with platform.session() as session:
        lost = deliveries.lost_deliveries(session, webhook_settings(platform))
        session.commit()
    for delivery_id in lost:
        send_delivery(platform, delivery_id)
    with platform.session() as session:
        pruned = deliveries.prune(session, webhook_settings(platform))
        session.commit()
    return {"requeued": len(lost), "pruned": pruned}
