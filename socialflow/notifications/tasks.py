"""Notification delivery tasks: fan-out, one attempt, the sweep, the e-mail digests.

Every task is idempotent (see :mod:`socialflow.notifications.delivery`): the
fan-out writes unique rows, an attempt claims its row first. After a failed
attempt or during quiet hours, the delivery task queues itself again with the
wait as countdown (the backoff goes through Celery); should that message be
lost, the sweep (Celery beat, every ``sweep_interval`` seconds) queues what is
due.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from socialflow.core.celery import DEFAULT_QUEUE, platform_of
from socialflow.core.effects import PendingTask
from socialflow.core.platform import Platform
from socialflow.notifications import delivery

logger = logging.getLogger("socialflow.notifications")
FAN_OUT_TASK = "socialflow.notifications.fan_out"
DELIVER_TASK = "socialflow.notifications.deliver"
SWEEP_TASK = "socialflow.notifications.sweep"
DIGEST_TASK = "socialflow.notifications.digest"


def send_delivery(platform: Platform, delivery_id: int, countdown: float | None = None) -> None:
    """Queue an attempt of ``delivery_id`` (after ``countdown`` seconds)."""
    task = PendingTask(DELIVER_TASK, (delivery_id,), queue=DEFAULT_QUEUE, countdown=countdown)
    platform.enqueue(task)


@shared_task(name=FAN_OUT_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def fan_out(self: Any, notification_id: int) -> int:
    """Write the deliveries of one new notification and queue an attempt of each."""
    platform = platform_of(self.app)
    with platform.session() as session:
        ids = delivery.fan_out(session, platform, notification_id)
        session.commit()
    for delivery_id in ids:
        send_delivery(platform, delivery_id)
    return len(ids)


@shared_task(name=DELIVER_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def deliver(self: Any, delivery_id: int) -> str:
    platform = platform_of(self.app)
    outcome = delivery.attempt(platform, delivery_id)
    # Eager (tests): a countdown cannot wait; the sweep drives retries there.
    if outcome.retry_in is not None and not platform.celery.conf.task_always_eager:
        try:
            send_delivery(platform, delivery_id, countdown=max(outcome.retry_in, 0.0))
        except Exception:
            # The row says when it is due: the sweep queues it again.
            logger.exception("could not queue the retry of notification delivery %s", delivery_id)
    return outcome.state


@shared_task(name=SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> int:
    """Queue deliveries that are due and have no task on its way (held, retried, lost)."""
    platform = platform_of(self.app)
    with platform.session() as session:
        due = delivery.due_deliveries(session)
    for delivery_id in due:
        send_delivery(platform, delivery_id)
    return len(due)


@shared_task(name=DIGEST_TASK, bind=True)  # type: ignore[untyped-decorator]
def digest(self: Any) -> int:
    """Send the digests that are due (daily or weekly, per user); run hourly by beat."""
    from socialflow.notifications.digests import send_due_digests

    return send_due_digests(platform_of(self.app))
