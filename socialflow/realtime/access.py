"""Who is connecting and what they may follow.

Connections authenticate with the same rule as every HTTP route
(:func:`socialflow.accounts.deps.authenticate`: a revoked session, a
suspension or a ``token_version`` bump ends access), checked when the stream
opens, again at every heartbeat and for good when the access token expires.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from socialflow.accounts.deps import authenticate
from socialflow.accounts.models import User
from socialflow.accounts.tokens import AccessClaims, DecodedTokens, InvalidToken
from socialflow.core.errors import NotFound, Unauthorized
from socialflow.core.platform import Platform
from socialflow.core.settings import Settings
from socialflow.realtime.topic_kinds import topic_kinds
from socialflow.realtime.topics import Topic
from socialflow.social.posts import get_visible_post


class NotAuthenticated(Exception):  # noqa: N818 - reads as a verdict
    """No token, a bad one, or one that no longer stands."""


def bearer_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The access token from ``Authorization: Bearer``, else from ``?token=``.

    Browsers cannot set headers on a WebSocket or an ``EventSource``, hence the
    query parameter; socialflow's request log records paths, never query strings.
    """
    header = headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None
    return query.get("token") or None


def authenticate_token(platform: Platform, token: str | None) -> AccessClaims:
    """The claims of ``token`` if it stands now; :class:`NotAuthenticated` otherwise.

    Blocking (one query): call it from a worker thread.
    """
    if token is None:
        raise NotAuthenticated("no access token")
    try:
        claims = platform.get(DecodedTokens).decode(platform.settings, token)
    except InvalidToken as exc:
        raise NotAuthenticated("invalid or expired access token") from exc
    check_holder(platform, claims)
    return claims


def check_holder(platform: Platform, claims: AccessClaims) -> None:
    """Raise :class:`NotAuthenticated` unless ``claims`` still stand (expiry, session, account)."""
    if seconds_left(claims) <= 0:
        raise NotAuthenticated("the access token expired")
    with platform.session(read_only=True) as session:
        try:
            authenticate(session, claims)
        except Unauthorized as exc:
            raise NotAuthenticated("the access token is no longer valid") from exc


def seconds_left(claims: AccessClaims) -> float:
    return (claims.expires_at - datetime.now(UTC)).total_seconds()


def may_follow(platform: Platform, user_id: int, topic: Topic) -> bool:
    """Whether ``user_id`` may follow ``topic``: their own stream, a post they may see,
    or what a registered kind allows.

    A post that does not exist and one the caller may not see give the same
    answer, so following reveals nothing. Blocking (queries): call it from a
    worker thread.
    """
    if topic.kind == "user":
        return topic.object_id == user_id
    if topic.kind == "post":
        with platform.session(read_only=True) as session:
            viewer = session.get(User, user_id)
            if viewer is None:
                return False
            try:
                get_visible_post(session, viewer=viewer, post_id=topic.object_id)
            except NotFound:
                return False
            return True
    kind = topic_kinds(platform).get(topic.kind)
    return kind is not None and kind.may_follow(user_id, topic.object_id)


def origin_allowed(settings: Settings, headers: Mapping[str, str]) -> bool:
    """Refuse cross-site WebSocket handshakes (browsers send ``Origin``, CORS does not apply).

    Allowed: no ``Origin`` (not a browser), an origin in ``cors_origins`` (``*``
    allows every one), or the same origin as the API (the ``Host`` the request
    came to, or ``public_url``).
    """
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    allowed = [o.rstrip("/").lower() for o in settings.cors_origins]
    if "*" in allowed or origin in allowed:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    host = headers.get("host", "").lower()
    if host and parts.netloc == host:
        return True
    public = urlsplit(settings.public_url.lower())
    return (parts.scheme, parts.netloc) == (public.scheme, public.netloc)
