"""Checking V4-style signed URLs (AWS SigV4 query signing, GCS V4 signing) in tests.

Emulators (moto, gcp-storage-emulator) serve signed URLs without checking
their signature or expiry, so a plugin's conformance ``signed_url_fetch``
checks them itself, as the real service would, before fetching. Both schemes
share everything but the field prefix and the final signature step:
:func:`parse_v4_query` does the shared part, written from the published
specifications (independently of the SDKs' signers); the caller verifies
:attr:`V4Query.string_to_sign` with an HMAC (S3) or an RSA key (GCS).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit


@dataclass(frozen=True)
class V4Query:
    """The signed parts of a V4 URL, and the string its signature covers."""

    algorithm: str
    scope: str
    signature: str
    issued: float
    expires: int
    string_to_sign: str

    def expired(self, now: float, *, clock_skew: float = 0) -> bool:
        """Whether ``now`` is outside the URL's validity (``clock_skew`` early is allowed)."""
        return not self.issued - clock_skew <= now <= self.issued + self.expires


def parse_v4_query(url: str, *, prefix: str, algorithm: str) -> V4Query | None:
    """The V4 query of ``url`` (fields ``X-Amz-*`` or ``X-Goog-*`` by ``prefix``), or
    ``None`` when a field is missing or malformed, the algorithm is not ``algorithm``,
    or headers other than ``host`` are signed (a GET by a browser or player sends none)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    try:
        signature = given[f"{prefix}-Signature"]
        date = given[f"{prefix}-Date"]
        expires = int(given[f"{prefix}-Expires"])
        _, scope = given[f"{prefix}-Credential"].split("/", 1)
        issued = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except (KeyError, ValueError):
        return None
    if given.get(f"{prefix}-Algorithm") != algorithm:
        return None
    if given.get(f"{prefix}-SignedHeaders") != "host":
        return None

    def enc(value: str) -> str:
        return quote(value, safe="-_.~")

    canonical_query = "&".join(
        f"{enc(k)}={enc(v)}" for k, v in sorted(query) if k != f"{prefix}-Signature"
    )
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}\n", "host", "UNSIGNED-PAYLOAD"]
    )
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return V4Query(
        algorithm=algorithm,
        scope=scope,
        signature=signature,
        issued=issued,
        expires=expires,
        string_to_sign="\n".join([algorithm, date, scope, digest]),
    )
