"""Unsubscribe links in notification e-mail, which work without logging in.

Each e-mail carries a link and a ``List-Unsubscribe`` header (with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, RFC 8058) holding a
token signed with the platform's secret for one user and one kind (or
``digest`` for the digest e-mail). Posting it turns e-mail off for that kind
(or the digest off). The link's page (``GET``) asks for that one click rather
than acting itself, because mail scanners open links on their own.

Tokens do not expire: an old e-mail's link must still work. Changing
``secret_key`` invalidates them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.errors import NotFound
from socialflow.core.platform import Platform
from socialflow.notifications import kinds, preferences
from socialflow.notifications.delivery_models import Medium
from socialflow.notifications.settings import NotificationSettings

DIGEST = "digest"
PATH = "/api/v1/notifications/unsubscribe"


def _signature(secret: str, user_id: int, kind: str) -> str:
    mac = hmac.new(
        secret.encode(), f"notifications-unsubscribe:{user_id}:{kind}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def make_token(platform: Platform, *, user_id: int, kind: str) -> str:
    return f"{user_id}.{kind}.{_signature(platform.settings.secret(), user_id, kind)}"


def read_token(platform: Platform, token: str) -> tuple[int, str]:
    """``(user_id, kind)`` of a token of ours; 404 for anything else."""
    parts = token.split(".")
    if len(parts) == 3 and parts[0].isdigit():
        user_id, kind, signature = int(parts[0]), parts[1], parts[2]
        known = kind in (DIGEST, *kinds.BUILT_IN) or kind in platform.plugins.notification_kinds()
        expected = _signature(platform.settings.secret(), user_id, kind)
        if known and hmac.compare_digest(signature, expected):
            return user_id, kind
    raise NotFound("This unsubscribe link is not valid.")


def link(platform: Platform, *, user_id: int, kind: str) -> str:
    base = platform.get(NotificationSettings).base_url.rstrip("/")
    return f"{base}{PATH}?token={quote(make_token(platform, user_id=user_id, kind=kind))}"


def email_parts(
    platform: Platform, *, user_id: int, kind: str, text: str
) -> tuple[str, dict[str, Any]]:
    """The e-mail body with its unsubscribe footer, and the data carrying the headers."""
    url = link(platform, user_id=user_id, kind=kind)
    what = "the digest" if kind == DIGEST else f"“{kind.replace('_', ' ')}” e-mails"
    body = f"{text}\n\n--\nTo stop {what}: {url}\n"
    headers = {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return body, {"email_headers": headers, "unsubscribe_url": url}


def unsubscribe(session: Session, platform: Platform, token: str) -> tuple[int, str]:
    """Turn e-mail off for the token's kind (or the digest off); idempotent."""
    user_id, kind = read_token(platform, token)
    if session.get(User, user_id) is None:
        raise NotFound("This unsubscribe link is not valid.")
    if kind == DIGEST:
        preferences.update_user_settings(session, user_id, email_digest="off")
    else:
        preferences.set_preferences(session, user_id, {kind: {Medium.email.value: False}})
    return user_id, kind
