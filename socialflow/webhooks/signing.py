"""Endpoint secrets and Standard Webhooks signatures.

A secret is ``whsec_`` + base64 of 32 random bytes (the Standard Webhooks
format, which ``standardwebhooks.Webhook(secret)`` reads on the receiving
side). It is shown once, when made; stored encrypted with a key derived from
``secret_key`` (changing ``secret_key`` therefore makes every endpoint need a
new secret: rotate them). Nothing here logs a secret.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from cryptography.fernet import Fernet
from standardwebhooks import Webhook

from socialflow.accounts.tokens import derived_key
from socialflow.core.settings import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _fernet(settings: Settings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(settings, "webhook-secret")))


def seal(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    return _fernet(settings).decrypt(sealed.encode()).decode()


def new_message_id() -> str:
    """A ``webhook-id``: unique per delivery, kept across its retries and replays."""
    return "msg_" + secrets.token_urlsafe(24)


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (the timestamp is the attempt's)."""
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=sent_at, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
