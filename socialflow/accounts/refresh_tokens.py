"""Opaque refresh tokens: stored as HMACs only, rotated on every use.

Each refresh hands out a new token and marks the old one used. Presenting a
token that was already used means two parties hold the family (one of them a
thief): the whole session is revoked, so both the thief's and the owner's
tokens die and the owner signs in again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from socialflow.accounts import sessions as session_service
from socialflow.accounts.models import AuthSession, RefreshToken, User
from socialflow.accounts.single_use import consume_once
from socialflow.accounts.tokens import keyed_hash
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Unauthorized
from socialflow.core.settings import Settings

HASH_PURPOSE = "refresh-token"


@dataclass(frozen=True)
class Rotated:
    user: User
    auth_session: AuthSession
    refresh_token: str


def _invalid() -> Unauthorized:
    return Unauthorized("The refresh token is invalid or expired.", slug="invalid-refresh-token")


def issue(session: Session, settings: Settings, *, auth_session: AuthSession) -> str:
    """Create a refresh token for ``auth_session``; returns the only copy of its plain value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=keyed_hash(settings, HASH_PURPOSE, token),
            created_at=now,
            expires_at=auth_session.expires_at,
        )
    )
    return token


def session_of(session: Session, settings: Settings, *, token: str) -> AuthSession | None:
    """The session a refresh token belongs to, if the token is known."""
    token_hash = keyed_hash(settings, HASH_PURPOSE, token)
    stored = session.exec(select(RefreshToken).where(RefreshToken.token_hash == token_hash)).first()
    return session.get(AuthSession, stored.session_id) if stored else None


def rotate(session: Session, settings: Settings, *, token: str, ip: str = "") -> Rotated:
    """Trade ``token`` for a new one in the same session; detect reuse.

    The caller commits a successful rotation.

    Commits: on reuse only. The revocation of the session is committed here,
    before raising, so the error response (which rolls the request's
    transaction back) cannot undo it.
    """
    token_hash = keyed_hash(settings, HASH_PURPOSE, token)
    stored = session.exec(select(RefreshToken).where(RefreshToken.token_hash == token_hash)).first()
    if stored is None:
        raise _invalid()
    auth_session = session.get(AuthSession, stored.session_id)
    now = utcnow()
    if auth_session is None or auth_session.revoked_at is not None:
        raise _invalid()
    if stored.used_at is not None:
        session_service.revoke(session, auth_session, reason="refresh-reuse")
        session.commit()
        raise Unauthorized(
            "This refresh token was already used; the session has been revoked. Sign in again.",
            slug="refresh-token-reused",
        )
    if stored.expires_at <= now or auth_session.expires_at <= now:
        raise _invalid()
    # Compare-and-set, so two concurrent refreshes cannot both win.
    spent = consume_once(
        session,
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now),
    )
    if not spent:
        session.rollback()
        fresh = session.get(AuthSession, auth_session.id)
        if fresh is not None:
            session_service.revoke(session, fresh, reason="refresh-reuse")
            session.commit()
        raise Unauthorized("This refresh token was already used.", slug="refresh-token-reused")
    user = session.get(User, auth_session.user_id)
    if user is None or not session_service.may_sign_in(user):
        raise _invalid()
    auth_session.last_seen_at = now
    if ip:
        auth_session.ip = ip[:64]
    session.add(auth_session)
    new_token = issue(session, settings, auth_session=auth_session)
    return Rotated(user=user, auth_session=auth_session, refresh_token=new_token)
