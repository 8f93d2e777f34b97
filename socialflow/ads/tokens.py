"""Signed tracking tokens: what a served ad may later be counted for, and at what price.

A token is ``<payload>.<mac>``: the payload (base64url JSON) names the
campaign, the viewer, the placement, the price the auction set, the creator
beside whose content the ad ran, when it was issued and a random nonce; the
MAC is HMAC-SHA256 with a key derived from ``secret_key``. A token whose MAC
does not match (forged or altered) or that is past its lifetime is refused;
a token already used for the same kind of event is a replay
(:mod:`socialflow.ads.counting` refuses it). Changing ``secret_key`` voids
every token in flight.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from socialflow.core.errors import Problem


class InvalidToken(Problem):
    status, slug, title = 400, "invalid-ad-token", "Invalid tracking token"


@dataclass(frozen=True)
class TokenClaims:
    campaign_id: int
    viewer_id: int
    placement: str
    bid_type: str
    price_micros: int
    creator_id: int  # 0 when the ad ran beside no one's content
    issued: int  # unix seconds
    nonce: str


def _key(secret: str) -> bytes:
    return hashlib.sha256(f"socialflow-ads-tracking:{secret}".encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(secret: str, **fields: int | str) -> tuple[str, TokenClaims]:
    """A fresh token (and its claims) for a served ad."""
    claims = TokenClaims(nonce=secrets.token_hex(16), **fields)  # type: ignore[arg-type]
    payload = _b64(json.dumps(asdict(claims), separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}", claims


def verify(secret: str, token: str, *, now: float, ttl: int) -> TokenClaims:
    """The token's claims if it is ours and fresh, else :class:`InvalidToken`."""
    payload, _, mac = token.partition(".")
    expected = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise InvalidToken("The tracking token is not ours.", slug="forged-ad-token")
    try:
        data = json.loads(_unb64(payload))
        claims = TokenClaims(**data)
    except (ValueError, TypeError, binascii.Error) as exc:  # signed by us: never, but be strict
        raise InvalidToken("The tracking token is malformed.") from exc
    if not claims.issued <= now + 60 or now - claims.issued > ttl:
        raise InvalidToken("The tracking token has expired.", slug="expired-ad-token")
    return claims
