"""Tables of notification delivery: preferences, quiet hours, devices, deliveries.

Beside :mod:`socialflow.notifications.models` (the inbox) so that each module
keeps one job; registered through the same ``socialflow_table_modules`` hook.

* ``notification_preferences`` holds only what a user changed: a row says
  whether ``kind`` goes out on ``medium`` (``in_app``, ``realtime``, ``email``,
  ``push``). No row means the default (:mod:`socialflow.notifications.preferences`).
* ``notification_user_settings``: the user's time zone, quiet hours and e-mail
  digest choice, one row per user who set any.
* ``notification_devices``: push addresses. ``channel`` names the notification
  channel plugin that can reach ``address`` (``webpush`` with a subscription
  as JSON, ``fcm`` with a device token...); the app never interprets the
  address, so any plugin channel is served by name. ``address_hash`` (SHA-256)
  keeps an address unique per channel, whoever registers it last owns it.
* ``notification_deliveries``: one row per (notification, target), where the
  target is ``email`` or ``device:<id>``; unique, so a fan-out that runs again
  (a worker killed half-way) creates nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class Medium(StrEnum):
    """How a notification reaches its recipient (what a preference is about)."""

    in_app = "in_app"
    realtime = "realtime"
    email = "email"
    push = "push"


class DeliveryStatus(StrEnum):
    queued = "queued"  # waiting for its task
    held = "held"  # quiet hours: due at next_attempt_at
    sending = "sending"  # claimed by a task; next_attempt_at is the end of its lease
    failed = "failed"  # last attempt failed; retried at next_attempt_at
    sent = "sent"
    gave_up = "gave_up"  # failed max_attempts times
    gone = "gone"  # the channel said the address will never work (device pruned)
    dropped = "dropped"  # nothing to send any more (preference turned off, device removed)


FINAL_STATUSES = frozenset({"sent", "gave_up", "gone", "dropped"})


def _user_fk() -> Column[int]:
    return Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


class NotificationPreference(SQLModel, table=True):
    """``user_id`` wants (or not) notifications of ``kind`` on ``medium``."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        Index(
            "uq_notification_preferences_user_kind_medium", "user_id", "kind", "medium", unique=True
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    kind: str = Field(max_length=32, nullable=False)
    medium: str = Field(max_length=16, nullable=False)
    enabled: bool = Field(nullable=False)


class NotificationUserSettings(SQLModel, table=True):
    """Time zone, quiet hours (local minutes after midnight) and e-mail digest of a user."""

    __tablename__ = "notification_user_settings"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    timezone: str = Field(default="UTC", max_length=64, nullable=False)
    quiet_start: int | None = Field(default=None)
    quiet_end: int | None = Field(default=None)
    email_digest: str = Field(default="off", max_length=8, nullable=False)
    digest_sent_at: datetime | None = datetime_field()


class NotificationDevice(SQLModel, table=True):
    """A push address of a user on one channel."""

    __tablename__ = "notification_devices"
    __table_args__ = (
        Index("uq_notification_devices_channel_hash", "channel", "address_hash", unique=True),
        Index("ix_notification_devices_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    channel: str = Field(max_length=64, nullable=False)
    address: str = Field(sa_column=Column(Text, nullable=False))
    address_hash: str = Field(sa_column=Column(String(64), nullable=False))
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_at_field()


class NotificationDelivery(SQLModel, table=True):
    """One notification to one target (``email`` or ``device:<id>``) and how it went."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index("uq_notification_deliveries_target", "notification_id", "target", unique=True),
        Index("ix_notification_deliveries_status_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False
        )
    )
    recipient_id: int = Field(sa_column=_user_fk())
    medium: str = Field(max_length=16, nullable=False)
    target: str = Field(max_length=40, nullable=False)
    device_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("notification_devices.id", ondelete="SET NULL"), nullable=True
        ),
    )
    status: str = Field(default=DeliveryStatus.queued.value, max_length=16, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = datetime_field()
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
