"""HMAC signatures of media URLs served by the app (the ``local`` storage backend).

Shared by the backend that signs (``socialflow.builtins.local_storage``) and
the route that checks (``socialflow.api.media``), so neither imports the other.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def sign_media_url(secret: str, key: str, expires: int, filename: str | None = None) -> str:
    """HMAC over what the URL grants: the key, the expiry and the download name."""
    message = f"{key}\n{expires}\n{filename or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_media_signature(
    secret: str, key: str, expires: str | None, sig: str | None, filename: str | None
) -> bool:
    """True when ``sig`` is ours for exactly this key, expiry and name, and not expired."""
    if not expires or not sig or not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(sign_media_url(secret, key, int(expires), filename), sig)
