"""Delivery of a notification to e-mail and devices: fan-out, then one attempt at a time.

Flow: the inbox writes a notification in the action's transaction and queues
the fan-out task after the commit (:mod:`socialflow.notifications.inbox`).
:func:`fan_out` writes one ``notification_deliveries`` row per target the
recipient wants (``email``, ``device:<id>`` for each device on an enabled
push channel); the rows are unique per (notification, target), so a fan-out
that runs twice (a worker killed half-way, a redelivered message) adds
nothing. Each row then gets its own delivery task, which calls
:func:`attempt`.

An attempt **claims** the row first: one ``UPDATE`` moves it to ``sending``
only if it is due and not final, and sets ``next_attempt_at`` to the end of
a lease. Duplicate tasks find nothing to claim. A worker killed while
sending leaves the row ``sending`` until its lease ends; the sweep then
queues it again (delivery is at least once: a message may arrive twice, never
zero times). The outcome:

* sent -> ``sent``;
* the channel raised :class:`~socialflow.plugins.protocols.RecipientGone` ->
  ``gone``, and the device is deleted (pruned);
* any other error -> ``failed``, due again after an exponential backoff, or
  ``gave_up`` after ``max_attempts``;
* quiet hours -> ``held`` until they end (push and e-mail only), then the
  sweep queues it;
* the preference switched off, the device removed, the notification no
  longer shown in the inbox, the account gone -> ``dropped``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.accounts.users import ACTIVE_STATES
from socialflow.core.db.base import utcnow
from socialflow.core.db.sqlutil import insert_ignore
from socialflow.core.platform import Platform
from socialflow.notifications import devices, preferences
from socialflow.notifications.delivery_models import (
    FINAL_STATUSES,
    DeliveryStatus,
    Medium,
    NotificationDelivery,
    NotificationDevice,
)
from socialflow.notifications.inbox import is_listable
from socialflow.notifications.messages import compose
from socialflow.notifications.models import Notification
from socialflow.notifications.settings import NotificationSettings
from socialflow.notifications.unsubscribe import email_parts
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone

logger = logging.getLogger("socialflow.notifications.delivery")
DELIVERIES = NotificationDelivery.__table__  # type: ignore[attr-defined]
DEVICES = NotificationDevice.__table__  # type: ignore[attr-defined]
LEASE_SECONDS = 300
# A queued delivery older than this was lost on its way to a worker.
QUEUED_GRACE_SECONDS = 120
Status = DeliveryStatus


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: float | None = None


def email_channel(platform: Platform) -> str | None:
    configured = platform.get(NotificationSettings).email_channel
    if configured is None:
        return platform.settings.mail_channel
    return configured or None


# ----------------------------------------------------------------- fan-out


def fan_out(session: Session, platform: Platform, notification_id: int) -> list[int]:
    """Write the deliveries ``notification_id`` asks for; return those to attempt now."""
    note = session.get(Notification, notification_id)
    if note is None:
        return []
    recipient = session.get(User, note.recipient_id)
    if recipient is None or recipient.state not in ACTIVE_STATES:
        return []
    rows: list[dict[str, Any]] = []
    if email_wanted(session, platform, recipient, note.kind):
        rows.append(_row(note, Medium.email, "email", None))
    if preferences.wants(session, recipient.id or 0, note.kind, Medium.push.value):
        channels = devices.push_channels(platform)
        for device in devices.list_devices(session, user_id=note.recipient_id):
            if device.channel in channels:
                rows.append(_row(note, Medium.push, f"device:{device.id}", device.id))
    for row in rows:
        insert_ignore_unique(session, row)
    return [
        int(delivery_id)
        for delivery_id in session.execute(
            select(DELIVERIES.c.id).where(
                DELIVERIES.c.notification_id == notification_id,
                DELIVERIES.c.status == Status.queued.value,
            )
        ).scalars()
    ]


def email_wanted(session: Session, platform: Platform, user: User, kind: str) -> bool:
    """Per-notification e-mail: a channel, a verified address, the preference, no digest."""
    if email_channel(platform) is None or user.email_verified_at is None or user.id is None:
        return False
    if preferences.user_settings(session, user.id).email_digest != "off":
        return False
    return preferences.wants(session, user.id, kind, Medium.email.value)


def _row(note: Notification, medium: Medium, target: str, device_id: int | None) -> dict[str, Any]:
    return {
        "notification_id": note.id,
        "recipient_id": note.recipient_id,
        "medium": medium.value,
        "target": target,
        "device_id": device_id,
        "status": Status.queued.value,
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }


def insert_ignore_unique(session: Session, row: dict[str, Any]) -> None:
    """Insert unless (notification, target) exists (the unique index decides)."""
    insert_ignore(session, DELIVERIES, row)


# ----------------------------------------------------------------- attempts


def attempt(platform: Platform, delivery_id: int, *, now: datetime | None = None) -> Outcome:
    """One attempt of ``delivery_id`` (see the module docstring).

    Commits: the claim before the channel runs (so a duplicate task cannot
    send too, and the attempt counts even if the worker dies), and the outcome
    after it (a send cannot be rolled back).
    """
    now = now or utcnow()
    settings = platform.get(NotificationSettings)
    with platform.session() as session:
        delivery = session.get(NotificationDelivery, delivery_id)
        if delivery is None or delivery.status in FINAL_STATUSES:
            return Outcome(delivery.status if delivery else "missing")
        reason = _drop_reason(session, platform, delivery)
        if reason is not None:
            _finish(session, delivery_id, Status.dropped, error=reason)
            return Outcome(Status.dropped.value)
        user_settings = preferences.user_settings(session, delivery.recipient_id)
        quiet_end = preferences.quiet_until(user_settings, now)
        if quiet_end is not None:
            # No countdown: hours-long ETAs would sit in worker memory; the sweep
            # (every sweep_interval) queues it once the quiet hours end.
            _finish(session, delivery_id, Status.held, due=quiet_end, final=False)
            return Outcome(Status.held.value)
        if not _claim(session, delivery_id, now):
            return Outcome("busy")
        message, channel_name = _message(session, platform, delivery, settings)
        session.commit()
    return _send(platform, delivery_id, channel_name, message, settings)


def _drop_reason(
    session: Session, platform: Platform, delivery: NotificationDelivery
) -> str | None:
    note = session.get(Notification, delivery.notification_id)
    user = session.get(User, delivery.recipient_id)
    if note is None or user is None or user.state not in ACTIVE_STATES:
        return "recipient or notification gone"
    if not is_listable(session, recipient_id=user.id or 0, notification_id=note.id or 0):
        return "no longer shown to the recipient"
    if delivery.medium == Medium.email.value:
        if not email_wanted(session, platform, user, note.kind):
            return "e-mail not wanted"
        return None
    if not preferences.wants(session, user.id or 0, note.kind, Medium.push.value):
        return "push not wanted"
    device = session.get(NotificationDevice, delivery.device_id) if delivery.device_id else None
    if device is None or device.user_id != user.id:
        return "device removed"
    if device.channel not in devices.push_channels(platform):
        return "channel disabled"
    return None


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    result = session.execute(
        update(DELIVERIES)
        .where(
            DELIVERIES.c.id == delivery_id,
            DELIVERIES.c.status.not_in(FINAL_STATUSES),
            or_(DELIVERIES.c.next_attempt_at.is_(None), DELIVERIES.c.next_attempt_at <= now),
        )
        .values(
            status=Status.sending.value,
            attempts=DELIVERIES.c.attempts + 1,
            next_attempt_at=now + timedelta(seconds=LEASE_SECONDS),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _message(
    session: Session,
    platform: Platform,
    delivery: NotificationDelivery,
    settings: NotificationSettings,
) -> tuple[OutgoingMessage, str]:
    note = session.get(Notification, delivery.notification_id)
    assert note is not None
    composed = compose(session, note, window_seconds=settings.group_window_seconds)
    if delivery.medium == Medium.email.value:
        user = session.get(User, delivery.recipient_id)
        assert user is not None
        channel = email_channel(platform)
        assert channel is not None
        text, data = email_parts(platform, user_id=user.id or 0, kind=note.kind, text=composed.text)
        message = OutgoingMessage(
            to=user.email,
            subject=composed.subject,
            text=text,
            kind=note.kind,
            data={**composed.data, **data},
        )
        return message, channel
    device = session.get(NotificationDevice, delivery.device_id)
    assert device is not None
    message = OutgoingMessage(
        to=device.address,
        subject=composed.subject,
        text=composed.text,
        kind=note.kind,
        data=composed.data,
    )
    return message, device.channel


def _send(
    platform: Platform,
    delivery_id: int,
    channel_name: str,
    message: OutgoingMessage,
    settings: NotificationSettings,
) -> Outcome:
    try:
        platform.provider("notification", channel_name).send(message)
    except RecipientGone:
        with platform.session() as session:
            delivery = session.get(NotificationDelivery, delivery_id)
            if delivery is not None and delivery.device_id is not None:
                devices.prune(session, device_id=delivery.device_id)
            _finish(session, delivery_id, Status.gone, error="recipient gone")
        logger.info("notification delivery %s: recipient gone, address forgotten", delivery_id)
        return Outcome(Status.gone.value)
    except Exception as exc:
        return _failed(platform, delivery_id, exc, settings)
    with platform.session() as session:
        _finish(session, delivery_id, Status.sent, sent=True)
    return Outcome(Status.sent.value)


def _failed(
    platform: Platform, delivery_id: int, exc: Exception, settings: NotificationSettings
) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:300]
    with platform.session() as session:
        delivery = session.get(NotificationDelivery, delivery_id)
        attempts = delivery.attempts if delivery else settings.max_attempts
        if attempts >= settings.max_attempts:
            _finish(session, delivery_id, Status.gave_up, error=error)
            logger.warning("notification delivery %s gave up: %s", delivery_id, error)
            return Outcome(Status.gave_up.value)
        wait = backoff(attempts, settings)
        _finish(
            session,
            delivery_id,
            Status.failed,
            error=error,
            due=utcnow() + timedelta(seconds=wait),
            final=False,
        )
    logger.info("notification delivery %s failed (attempt %s): %s", delivery_id, attempts, error)
    return Outcome(Status.failed.value, retry_in=wait)


def backoff(attempts: int, settings: NotificationSettings) -> float:
    """Seconds before the retry that follows attempt number ``attempts`` (1-based)."""
    return float(min(settings.retry_base_seconds * 2 ** (attempts - 1), settings.retry_max_seconds))


def _finish(
    session: Session,
    delivery_id: int,
    status: DeliveryStatus,
    *,
    error: str | None = None,
    due: datetime | None = None,
    final: bool = True,
    sent: bool = False,
) -> None:
    """Record where delivery ``delivery_id`` stands.

    Commits: each outcome (and a hold or a drop) on its own, because the send
    before it cannot be rolled back and a later task reads the row fresh.
    """
    values: dict[str, Any] = {"status": status.value, "next_attempt_at": None if final else due}
    if error is not None:
        values["last_error"] = error
    if sent:
        values["sent_at"] = utcnow()
    session.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery_id).values(**values))
    session.commit()


# ----------------------------------------------------------------- sweep


def due_deliveries(
    session: Session, *, now: datetime | None = None, limit: int = 1000
) -> list[int]:
    """Deliveries whose task should run now: held or failed ones that are due, a
    ``sending`` one whose lease ended (its worker died), a ``queued`` one lost."""
    now = now or utcnow()
    lost_before = now - timedelta(seconds=QUEUED_GRACE_SECONDS)
    statement = (
        select(DELIVERIES.c.id)
        .where(
            or_(
                DELIVERIES.c.status.in_(
                    [Status.held.value, Status.failed.value, Status.sending.value]
                )
                & (DELIVERIES.c.next_attempt_at <= now),
                (DELIVERIES.c.status == Status.queued.value)
                & (DELIVERIES.c.next_attempt_at <= lost_before),
            )
        )
        .order_by(DELIVERIES.c.next_attempt_at)
        .limit(limit)
    )
    return [int(i) for i in session.execute(statement).scalars()]
