"""The rules of request input that code outside the API shares: id ranges,
text without forbidden characters, strict ASCII integers.

HTTP-free (no FastAPI, no pydantic), so the services, the tus parser and the
signed-URL checks apply the same rules as the API's types
(:mod:`socialflow.core.http.types`, which builds on these).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

MAX_DB_ID = 2**31 - 1
"""Primary and foreign keys are ``INTEGER`` columns (32-bit signed)."""
MAX_BIGINT = 2**63 - 1
"""``BIGINT`` columns (byte offsets and lengths, view counts)."""

# NUL (PostgreSQL refuses it), the other C0 controls but tab, newline and
# carriage return, DEL, and unpaired surrogates (not encodable as UTF-8).
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
TEXT_RULE = "must not contain NUL, control characters or unpaired surrogates"


def has_forbidden_chars(value: str) -> bool:
    """True when ``value`` holds a character no text column may store."""
    return _FORBIDDEN_CHARS.search(value) is not None


def check_text(value: str) -> str:
    """Pydantic validator: ``value`` unchanged, or a ``ValueError`` (a 422 field error)."""
    if has_forbidden_chars(value):
        raise ValueError(TEXT_RULE)
    return value


def clean_label(value: str) -> str:
    """``value`` with forbidden characters replaced: for labels we only display
    (a User-Agent, an upload's filename), where refusing the request is too much."""
    return _FORBIDDEN_CHARS.sub("\ufffd", value)


def check_strings(value: Any) -> Any:
    """:func:`check_text` on every string in ``value`` (lists, dicts, nested)."""
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_strings(key)
            check_strings(item)
    return value


def ascii_int(value: str | None, *, maximum: int = MAX_BIGINT) -> int | None:
    """``value`` as a non-negative integer if it is 1..19 ASCII digits up to ``maximum``.

    ``None`` for anything else: no sign, no spaces, no Unicode digits
    (``"²"``, ``"١٢"``), nothing past the column's range.
    """
    if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of a secret a caller sent (a signature, a state, a code)
    and ours. ``hmac.compare_digest`` raises on ``str`` with non-ASCII characters,
    which a hostile caller chooses: compare the UTF-8 bytes instead."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
