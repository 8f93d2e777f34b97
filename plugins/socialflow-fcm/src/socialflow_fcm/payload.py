"""An :class:`OutgoingMessage` as an FCM HTTP v1 ``Message``.

The notification (title = subject, body = text) is what the OS shows; the
data (plus ``kind``) is what the app reads when opened from it. FCM takes
only string data values, so others are written as JSON (``true``, ``42``,
``{"a": 1}``), and refuses a few reserved keys, which fail here rather than
at FCM. Android and APNs get the same priority, lifetime and collapsing:
with ``collapse_by_kind``, a second "new follower" push replaces the first
one while it is still waiting or shown, instead of stacking.
"""

from __future__ import annotations

import json
import time
from typing import Any

from socialflow.plugins.protocols import OutgoingMessage

from socialflow_fcm.errors import FcmMessageRejected
from socialflow_fcm.settings import FcmSettings

RESERVED_KEYS = {"from", "notification", "message_type"}
RESERVED_PREFIXES = ("google.", "gcm.")
APNS_COLLAPSE_ID_MAX = 64  # bytes


def data_value(value: Any) -> str:
    """FCM data values are strings; anything else goes as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def string_data(message: OutgoingMessage) -> dict[str, str]:
    data: dict[str, str] = {}
    for key, value in message.data.items():
        name = str(key)
        if name in RESERVED_KEYS or name.startswith(RESERVED_PREFIXES):
            raise FcmMessageRejected(f"FCM data key {name!r} is reserved by FCM")
        if value is not None:
            data[name] = data_value(value)
    data.setdefault("kind", message.kind)
    return data


def build_message(
    message: OutgoingMessage, config: FcmSettings, *, now: float | None = None
) -> dict[str, Any]:
    """The JSON body of ``messages:send`` for one device token."""
    high = message.kind not in config.normal_priority_kinds
    ttl = config.ttl_seconds
    sent_at = time.time() if now is None else now
    android_notification: dict[str, Any] = {}
    apns_headers = {
        "apns-push-type": "alert",
        "apns-priority": "10" if high else "5",
        # 0 means "deliver now or never", as FCM's own ttl of 0s.
        "apns-expiration": str(int(sent_at + ttl)) if ttl else "0",
    }
    android: dict[str, Any] = {"priority": "HIGH" if high else "NORMAL", "ttl": f"{ttl}s"}
    aps: dict[str, Any] = {"sound": "default", "thread-id": message.kind}
    if config.collapse_by_kind:
        android["collapse_key"] = message.kind
        android_notification["tag"] = message.kind
        apns_headers["apns-collapse-id"] = message.kind.encode()[:APNS_COLLAPSE_ID_MAX].decode(
            errors="ignore"
        )
    if config.android_channel_id:
        android_notification["channel_id"] = config.android_channel_id
    if android_notification:
        android["notification"] = android_notification
    return {
        "message": {
            "token": message.to,
            "notification": {"title": message.subject, "body": message.text},
            "data": string_data(message),
            "android": android,
            "apns": {"headers": apns_headers, "payload": {"aps": aps}},
        }
    }
