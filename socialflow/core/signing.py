"""HMAC signatures of media URLs served by the app (the ``local`` storage backend).

Shared by the backend that signs (``socialflow.builtins.local_storage``) and
the route that checks (``socialflow.core.http.media``), so neither imports the other.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from socialflow.core.inputs import ascii_int, same_secret


def sign_media_url(secret: str, key: str, expires: int, filename: str | None = None) -> str:
    """HMAC over what the URL grants: the key, the expiry and the download name."""
    message = f"{key}\n{expires}\n{filename or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_media_signature(
    secret: str, key: str, expires: int | str | None, sig: str | None, filename: str | None
) -> bool:
    """True when ``sig`` is ours for exactly this key, expiry and name, and not expired.

    ``expires`` as the route parsed it, or the raw query value (then only
    ASCII digits count: ``"²"`` is simply not a valid expiry).
    """
    when = ascii_int(expires) if isinstance(expires, str) else expires
    if when is None or not sig or when < time.time():
        return False
    return same_secret(sig, sign_media_url(secret, key, when, filename))
