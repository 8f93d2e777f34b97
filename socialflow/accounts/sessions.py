"""Signed-in sessions (one per device): start, list, revoke.

A session is what a user sees in "where you're signed in": device, IP,
created and last seen (updated at each token refresh, not each request, so
reads stay write-free). Access tokens name their session (``sid``) and die
with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from socialflow.accounts.models import AccountState, AuthSession, RefreshToken, User
from socialflow.accounts.tokens import issue_access_token
from socialflow.core.db.base import utcnow
from socialflow.core.errors import NotFound
from socialflow.core.settings import Settings

SIGN_IN_STATES = frozenset({AccountState.active.value, AccountState.unverified.value})


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


def may_sign_in(user: User) -> bool:
    return user.state in SIGN_IN_STATES


def start(
    session: Session,
    settings: Settings,
    *,
    user: User,
    user_agent: str = "",
    ip: str = "",
    method: str = "password",
) -> IssuedTokens:
    """Open a session for ``user`` and issue its first token pair; the caller commits."""
    from socialflow.accounts import refresh_tokens  # circular: refresh_tokens revokes sessions

    assert user.id is not None
    now = utcnow()
    auth_session = AuthSession(
        id=uuid.uuid4().hex,
        user_id=user.id,
        user_agent=user_agent[:255],
        ip=ip[:64],
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_ttl_days),
    )
    session.add(auth_session)
    session.flush()
    refresh = refresh_tokens.issue(session, settings, auth_session=auth_session)
    return tokens_for(settings, user=user, auth_session=auth_session, refresh_token=refresh)


def tokens_for(
    settings: Settings, *, user: User, auth_session: AuthSession, refresh_token: str
) -> IssuedTokens:
    assert user.id is not None
    access = issue_access_token(
        settings, user_id=user.id, token_version=user.token_version, session_id=auth_session.id
    )
    return IssuedTokens(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
        session_id=auth_session.id,
    )


def _holder_statement(
    statement: Select[Any], *, user_id: int, session_id: str | None
) -> Select[Any]:
    """``statement`` narrowed to the token's user, joined to its session when it names one
    (which must not be revoked or expired)."""
    users = User.__table__  # type: ignore[attr-defined]
    sessions = AuthSession.__table__  # type: ignore[attr-defined]
    statement = statement.where(users.c.id == user_id)
    if session_id is not None:
        statement = statement.join(sessions, sessions.c.user_id == users.c.id).where(
            sessions.c.id == session_id,
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > utcnow(),
        )
    return statement


def holder_may_act(*, state: str, token_version: int, claimed_version: int) -> bool:
    """The account checks of an access token: the account may act and the token carries
    its current ``token_version`` (a password reset, suspension or deletion bumps it)."""
    return state in SIGN_IN_STATES and token_version == claimed_version


def caller(
    session: Session, *, user_id: int, session_id: str | None, token_version: int
) -> User | None:
    """The user an access token names, if the token still stands; else ``None``.

    The one rule for every authenticated request (``api.deps`` uses it for
    every dependency, :func:`token_holder_is_valid` is the same rule on a bare
    connection): the token's session, if it names one, is neither revoked nor
    expired, the account may act, and ``token_version`` is current. One query.
    """
    statement = _holder_statement(select(User), user_id=user_id, session_id=session_id)
    user: User | None = session.exec(statement).first()  # type: ignore[call-overload]
    if user is None or not holder_may_act(
        state=user.state, token_version=user.token_version, claimed_version=token_version
    ):
        return None
    return user


def token_holder_is_valid(
    connection: Connection, *, user_id: int, session_id: str | None, token_version: int
) -> bool:
    """:func:`caller`'s rule without loading a User, for hot read paths on a bare Core
    connection (the feeds)."""
    users = User.__table__  # type: ignore[attr-defined]
    statement = _holder_statement(
        sa_select(users.c.state, users.c.token_version), user_id=user_id, session_id=session_id
    )
    row = connection.execute(statement).first()
    return row is not None and holder_may_act(
        state=row.state, token_version=row.token_version, claimed_version=token_version
    )


def list_active(session: Session, *, user: User) -> list[AuthSession]:
    statement = (
        select(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            col(AuthSession.revoked_at).is_(None),
            AuthSession.expires_at > utcnow(),
        )
        .order_by(col(AuthSession.last_seen_at).desc())
    )
    return list(session.exec(statement))


def revoke(session: Session, auth_session: AuthSession, *, reason: str) -> None:
    """Revoke one session and every refresh token of its family."""
    now = utcnow()
    if auth_session.revoked_at is None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = reason
        session.add(auth_session)
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.session_id) == auth_session.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )


def revoke_for_user(session: Session, *, user: User, session_id: str) -> None:
    """Revoke one of the user's sessions; another user's session is a 404 (no IDOR)."""
    auth_session = session.get(AuthSession, session_id)
    if auth_session is None or auth_session.user_id != user.id:
        raise NotFound("No such session.")
    revoke(session, auth_session, reason="user")


def revoke_all(
    session: Session, *, user: User, reason: str, except_session_id: str | None = None
) -> int:
    """Revoke every live session of ``user`` (but ``except_session_id``); returns the count."""
    count = 0
    for auth_session in list_active(session, user=user):
        if auth_session.id != except_session_id:
            revoke(session, auth_session, reason=reason)
            count += 1
    return count
