"""Push addresses: users register where their devices can be reached.

A device belongs to one notification channel, named by the client
(``webpush``, ``fcm``, any channel a plugin provides and the operator
enabled in ``notification_channels``). The app stores the address as the
channel will receive it in ``OutgoingMessage.to``: a Web Push subscription as
canonical JSON (``{"endpoint", "keys": {"p256dh", "auth"}}``), anything else as
the opaque token the client sent. Nothing here knows a particular channel.

An address is unique per channel: registering one that another account
registered moves it (a phone changes hands, or a user logs out and another
logs in; only the holder of a token can present it). Only the owner lists or
removes a device; someone else's device is 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from socialflow.core.effects import pending_events
from socialflow.core.errors import NotFound, ValidationProblem
from socialflow.core.platform import Platform
from socialflow.notifications.delivery_models import NotificationDevice
from socialflow.notifications.settings import NotificationSettings

DEVICES = NotificationDevice.__table__  # type: ignore[attr-defined]


def push_channels(platform: Platform) -> list[str]:
    """Enabled channels that reach devices: every active one except the e-mail ones."""
    return [
        name
        for name in platform.settings.notification_channels
        if name not in _mail_channels(platform)
    ]


def _mail_channels(platform: Platform) -> set[str]:
    configured = platform.get(NotificationSettings).email_channel
    return {platform.settings.mail_channel, *([configured] if configured else [])}


def subscription_address(subscription: Mapping[str, Any]) -> str:
    """A Web Push subscription as the canonical JSON a channel receives."""
    keys = subscription["keys"]
    document = {
        "endpoint": subscription["endpoint"],
        "keys": {"auth": keys["auth"], "p256dh": keys["p256dh"]},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def register(
    session: Session,
    platform: Platform,
    *,
    user_id: int,
    channel: str,
    address: str,
    label: str | None = None,
) -> NotificationDevice:
    """Add (or take over) ``address`` on ``channel`` for ``user_id``."""
    available = push_channels(platform)
    if channel not in available:
        raise ValidationProblem(
            f"channel: {channel!r} is not an enabled push channel "
            f"(enabled: {', '.join(available) or 'none'}).",
            slug="validation-error",
            errors=[
                {
                    "field": "channel",
                    "message": "not an enabled push channel",
                    "code": "invalid_channel",
                }
            ],
        )
    digest = address_hash(address)
    device = session.execute(
        select(NotificationDevice).where(
            DEVICES.c.channel == channel, DEVICES.c.address_hash == digest
        )
    ).scalar_one_or_none()
    if device is None or device.user_id != user_id:
        _check_room(session, platform, user_id)
    if device is None:
        device = NotificationDevice(
            user_id=user_id, channel=channel, address=address, address_hash=digest
        )
    device.user_id = user_id
    device.label = label
    session.add(device)
    session.flush()
    return device


def _check_room(session: Session, platform: Platform, user_id: int) -> None:
    limit = platform.get(NotificationSettings).max_devices_per_user
    count = session.execute(
        select(func.count()).select_from(DEVICES).where(DEVICES.c.user_id == user_id)
    ).scalar_one()
    if count >= limit:
        raise ValidationProblem(
            f"At most {limit} devices per account: remove one first.",
            slug="too-many-devices",
        )


def list_devices(session: Session, *, user_id: int) -> list[NotificationDevice]:
    return list(
        session.execute(
            select(NotificationDevice).where(DEVICES.c.user_id == user_id).order_by(DEVICES.c.id)
        ).scalars()
    )


def owned(session: Session, *, user_id: int, device_id: int) -> NotificationDevice:
    """The caller's device ``device_id``; 404 for anyone else's (never revealed)."""
    device = session.get(NotificationDevice, device_id)
    if device is None or device.user_id != user_id:
        raise NotFound("No such device.")
    return device


def remove(session: Session, *, user_id: int, device_id: int) -> None:
    session.delete(owned(session, user_id=user_id, device_id=device_id))
    session.flush()


def prune(session: Session, *, device_id: int) -> None:
    """Forget a device its channel called gone (``RecipientGone``)."""
    session.execute(delete(DEVICES).where(DEVICES.c.id == device_id))


def forget_deleted_users(session: Session) -> None:
    """``before_commit`` listener: a deleted account's devices go with it, in its
    transaction (nothing is pushed to them again, no address is kept)."""
    gone = [e.payload.get("user_id") for e in pending_events(session) if e.name == "user_deleted"]
    ids = [g for g in gone if isinstance(g, int)]
    if ids:
        session.execute(delete(DEVICES).where(DEVICES.c.user_id.in_(ids)))


def export_for(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The user's devices for their data export (channel, label, when; not the address)."""
    return [
        {
            "id": device.id,
            "channel": device.channel,
            "label": device.label,
            "created_at": device.created_at.isoformat(),
        }
        for device in list_devices(session, user_id=user_id)
    ]
