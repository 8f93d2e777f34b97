"""Attempting deliveries: claim, send, record, schedule the retry, disable.

Called by the Celery tasks (:mod:`socialflow.webhooks.tasks`); each function
opens and commits its own short transactions, so that no database
transaction stays open while a receiver is called.

An attempt first *claims* the delivery: one UPDATE that succeeds only if it
is pending, due, not leased by another attempt, and its endpoint is enabled.
Duplicate tasks (a sweep racing a scheduled retry, a message redelivered by
the broker) therefore find nothing to do. After a failure the next attempt
waits ``retry_schedule[n]`` seconds, spread by
``retry_jitter``; when the schedule is exhausted the delivery is
``failed``. Every failed attempt counts towards the endpoint's consecutive
failures, every success resets them; at ``disable_after_failures``
the endpoint is disabled with the reason recorded.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from sqlalchemy import and_, delete, or_, select, update
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.accounts.users import ACTIVE_STATES
from socialflow.core.db.base import utcnow
from socialflow.core.settings import Settings
from socialflow.webhooks import sender
from socialflow.webhooks.capture import DELIVERIES, ENDPOINTS
from socialflow.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from socialflow.webhooks.settings import WebhookSettings
from socialflow.webhooks.signing import signed_headers, unseal
from socialflow.webhooks.targets import TargetPolicy

logger = logging.getLogger("socialflow.webhooks")
LEASE_MARGIN_SECONDS = 30
SWEEP_BATCH = 500
ERROR_LENGTH = 500
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Outcome:
    """What one call of :func:`attempt` did; ``retry_in`` is set when a retry is due."""

    state: str  # delivered | retrying | failed | skipped
    retry_in: float | None = None


def retry_delay(config: WebhookSettings, attempts: int) -> float | None:
    """Seconds before the retry after ``attempts`` failed attempts, or None when exhausted."""
    schedule = config.retry_schedule
    if attempts > len(schedule):
        return None
    base = float(schedule[attempts - 1])
    spread = config.retry_jitter
    return max(0.0, base * random.uniform(1 - spread, 1 + spread))


def _claim(session: Session, config: WebhookSettings, delivery_id: int) -> bool:
    """Take the lease on a due delivery; False when it is not due or another task holds it.

    Commits: the lease must be visible to every other task before the request to the
    receiver goes out, so a duplicate task skips the delivery instead of sending it twice.
    """
    now = utcnow()
    lease = now + timedelta(seconds=config.timeout_seconds + LEASE_MARGIN_SECONDS)
    enabled = select(ENDPOINTS.c.id).where(
        ENDPOINTS.c.id == DELIVERIES.c.endpoint_id, ENDPOINTS.c.enabled.is_(True)
    )
    result = session.execute(
        update(DELIVERIES)
        .where(
            DELIVERIES.c.id == delivery_id,
            DELIVERIES.c.status == DeliveryStatus.pending.value,
            DELIVERIES.c.next_attempt_at <= now,
            or_(DELIVERIES.c.lease_until.is_(None), DELIVERIES.c.lease_until < now),
            enabled.exists(),
        )
        .values(lease_until=lease)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def attempt(
    sessions: SessionFactory, settings: Settings, config: WebhookSettings, delivery_id: int
) -> Outcome:
    """Make one attempt of ``delivery_id`` if it is due; record what happened.

    ``settings`` unseals the endpoint's secret; ``config`` is the app's own section.

    Commits: the claim and the outcome each in a short session of their own, so no
    transaction stays open while the HTTP request to the receiver runs.
    """
    with sessions() as session:
        if not _claim(session, config, delivery_id):
            return Outcome("skipped")
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
        if delivery is None or endpoint is None:
            return Outcome("skipped")  # deleted since the claim
        owner = session.get(User, endpoint.owner_id)
        url, message_id, body = endpoint.url, delivery.message_id, delivery.body.encode()
        endpoint_id = endpoint.id
        sealed = endpoint.secret_encrypted
        owner_active = owner is not None and owner.state in ACTIVE_STATES
    final = False
    if not owner_active:
        result = _refused("the endpoint's owner is not active")
        final = True
    else:
        try:
            secret = unseal(settings, sealed)
        except InvalidToken:
            secret = None
        if secret is None:
            result = _refused("the secret cannot be read (secret_key changed?): rotate it")
        else:
            result = sender.send(
                TargetPolicy.from_config(config),
                url,
                headers=signed_headers(secret, message_id, utcnow(), body),
                body=body,
                timeout=config.timeout_seconds,
            )
    with sessions() as session:
        outcome = _record(session, config, delivery_id, result, final=final)
        session.commit()
    logger.info(
        "webhook delivery %s to endpoint %s: %s",
        delivery_id,
        endpoint_id,
        outcome.state,
        extra={"status": result.status, "duration_ms": result.duration_ms},
    )
    return outcome


def _refused(error: str) -> sender.AttemptResult:
    return sender.AttemptResult(False, None, None, 0, error)


def _record(
    session: Session,
    config: WebhookSettings,
    delivery_id: int,
    result: sender.AttemptResult,
    *,
    final: bool,
) -> Outcome:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return Outcome("skipped")  # its endpoint was deleted during the attempt
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.lease_until = None
    delivery.response_status = result.status
    delivery.response_snippet = result.snippet
    delivery.duration_ms = result.duration_ms
    delivery.error = result.error[:ERROR_LENGTH] if result.error else None
    if result.ok:
        delivery.status = DeliveryStatus.delivered.value
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        session.execute(
            update(ENDPOINTS)
            .where(ENDPOINTS.c.id == delivery.endpoint_id)
            .values(consecutive_failures=0)
        )
        outcome = Outcome("delivered")
    else:
        delay = None if final else retry_delay(config, delivery.attempts)
        if delay is None:
            delivery.status = DeliveryStatus.failed.value
            delivery.next_attempt_at = None
            outcome = Outcome("failed")
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            outcome = Outcome("retrying", retry_in=delay)
        _count_failure(session, config, delivery.endpoint_id, result)
    session.add(delivery)
    return outcome


def _count_failure(
    session: Session, config: WebhookSettings, endpoint_id: int, result: sender.AttemptResult
) -> None:
    session.execute(
        update(ENDPOINTS)
        .where(ENDPOINTS.c.id == endpoint_id)
        .values(consecutive_failures=ENDPOINTS.c.consecutive_failures + 1)
    )
    limit = config.disable_after_failures
    reason = f"disabled after {limit} consecutive failed attempts (last: {result.error})"
    reason = reason[:ERROR_LENGTH]
    disabled = session.execute(
        update(ENDPOINTS)
        .where(
            ENDPOINTS.c.id == endpoint_id,
            ENDPOINTS.c.enabled.is_(True),
            ENDPOINTS.c.consecutive_failures >= limit,
        )
        .values(enabled=False, disabled_reason=reason, disabled_at=utcnow())
    )
    if disabled.rowcount == 1:  # type: ignore[attr-defined]
        logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)


# ------------------------------------------------------------------ the sweep


def lost_deliveries(session: Session, config: WebhookSettings) -> list[int]:
    """Pending deliveries of enabled endpoints due for longer than the grace period with no
    attempt running: their task was lost. Marked swept, so each is queued again at most once
    per grace period. The caller commits, then queues them."""
    now = utcnow()
    cutoff = now - timedelta(seconds=config.sweep_grace_seconds)
    ids = list(
        session.execute(
            select(DELIVERIES.c.id)
            .join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id)
            .where(
                ENDPOINTS.c.enabled.is_(True),
                DELIVERIES.c.status == DeliveryStatus.pending.value,
                DELIVERIES.c.next_attempt_at <= cutoff,
                or_(DELIVERIES.c.lease_until.is_(None), DELIVERIES.c.lease_until < now),
                or_(DELIVERIES.c.swept_at.is_(None), DELIVERIES.c.swept_at <= cutoff),
            )
            .order_by(DELIVERIES.c.next_attempt_at)
            .limit(SWEEP_BATCH)
        ).scalars()
    )
    if ids:
        session.execute(update(DELIVERIES).where(DELIVERIES.c.id.in_(ids)).values(swept_at=now))
    return ids


def prune(session: Session, config: WebhookSettings) -> int:
    """Delete delivery log entries older than the retention; the caller commits."""
    cutoff = utcnow() - timedelta(days=config.delivery_retention_days)
    result = session.execute(delete(DELIVERIES).where(DELIVERIES.c.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


def due_pending(session: Session, endpoint_id: int) -> list[int]:
    """Make an endpoint's pending deliveries due now (it was re-enabled); their ids."""
    ids = list(
        session.execute(
            select(DELIVERIES.c.id).where(
                and_(
                    DELIVERIES.c.endpoint_id == endpoint_id,
                    DELIVERIES.c.status == DeliveryStatus.pending.value,
                )
            )
        ).scalars()
    )
    if ids:
        session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(ids))
            .values(next_attempt_at=utcnow(), lease_until=None)
        )
    return ids
