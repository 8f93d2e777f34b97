"""Account administration for the admin API: search, roles, 2FA reset.

Suspension and reinstatement go through :mod:`socialflow.moderation.actions`
(so they count as strikes, can be appealed and expire); role changes through
the accounts app's ``set_role``. Everything here is audited. The caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from socialflow.accounts import audit
from socialflow.accounts import users as user_service
from socialflow.accounts.models import RecoveryCode, Role, TotpCredential, User
from socialflow.core.db.base import iso_or_none
from socialflow.core.errors import Conflict, NotFound


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def search(
    session: Session,
    *,
    q: str | None,
    role: str | None,
    state: str | None,
    limit: int,
    before: int | None,
) -> list[User]:
    """Accounts whose username or email starts with ``q`` (case-insensitive), newest first."""
    statement = select(User)
    if q:
        prefix = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(
                col(User.username_key).like(f"{prefix}%", escape="\\"),
                col(User.email).ilike(f"{prefix}%", escape="\\"),
            )
        )
    if role:
        statement = statement.where(col(User.role) == role)
    if state:
        statement = statement.where(col(User.state) == state)
    if before is not None:
        statement = statement.where(col(User.id) < before)
    return list(session.execute(statement.order_by(col(User.id).desc()).limit(limit)).scalars())


def serialize(user: User, strikes: int) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "state": user.state,
        "email_verified": user.email_verified_at is not None,
        "follower_count": user.follower_count,
        "strikes": strikes,
        "created_at": iso_or_none(user.created_at),
    }


def set_role(session: Session, *, admin: User, user_id: int, role: Role) -> User:
    user = get_user(session, user_id)
    if user.id == admin.id:
        raise Conflict("Admins do not change their own role here.", slug="own-role")
    return user_service.set_role(session=session, user=user, role=role, actor_id=admin.id)


def reset_two_factor(session: Session, *, admin: User, user_id: int) -> bool:
    """Turn off a user's 2FA (lost device); returns whether it was on."""
    user = get_user(session, user_id)
    removed = session.execute(
        delete(TotpCredential).where(col(TotpCredential.user_id) == user.id)
    ).rowcount  # type: ignore[attr-defined]
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    audit.record(session, "2fa_reset", subject_user_id=user.id, actor_id=admin.id)
    return bool(removed)
