"""Access tokens: short-lived JWTs (PyJWT), algorithm pinned, claims checked.

Only the configured algorithm is accepted (so ``none`` and algorithm
confusion are refused), and ``iss``, ``aud``, ``exp``, ``iat`` and ``jti``
must all be present. ``ver`` carries the user's ``token_version``: bumping it
(suspension, password change) invalidates every token issued before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from socialflow.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "socialflow-api"
ACCESS_TOKEN_TTL = timedelta(minutes=15)


class InvalidToken(Exception):  # noqa: N818 - reads as a verdict
    """The token is malformed, forged, expired or meant for something else."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    token_version: int
    jti: str
    session_id: str | None
    expires_at: datetime


def _issuer(settings: Settings) -> str:
    return settings.public_url


def issue_access_token(
    settings: Settings,
    *,
    user_id: int,
    token_version: int,
    session_id: str | None = None,
    ttl: timedelta = ACCESS_TOKEN_TTL,
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id),
        "iss": _issuer(settings),
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "ver": token_version,
    }
    if session_id:
        claims["sid"] = session_id
    return jwt.encode(claims, settings.secret(), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            settings.secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=_issuer(settings),
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            leeway=5,
        )
        return AccessClaims(
            user_id=int(claims["sub"]),
            token_version=int(claims.get("ver", 0)),
            jti=str(claims["jti"]),
            session_id=claims.get("sid"),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
