"""A user's data export (GDPR-style): every app's part in one JSON document.

The accounts part is :func:`export_account` (the account, its external
identities, sessions and audit log); each other app adds what the user
created or chose there through the ``socialflow_export_account`` hook (posts,
the social graph, videos...).
Other people's data is never included beyond the ids the user acted on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from socialflow.accounts import audit
from socialflow.accounts.models import AuthSession, OAuthAccount, TotpCredential, User
from socialflow.core.db.base import utcnow
from socialflow.plugins.manager import SocialflowPluginManager

EXPORT_FORMAT = "socialflow-export/1"


def export_user_data(
    *, session: Session, user: User, plugins: SocialflowPluginManager
) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as plain JSON values."""
    assert user.id is not None
    data = export_account(session=session, user=user)
    data["format"] = EXPORT_FORMAT
    sections = plugins.hook.socialflow_export_account(
        session=session, user_id=user.id, **plugins.hook_context()
    )
    for section in sections:
        data.update(section)
    return data


def export_account(*, session: Session, user: User) -> dict[str, Any]:
    """Everything the accounts domain holds about ``user``, as plain JSON values."""
    assert user.id is not None
    totp = session.get(TotpCredential, user.id)
    identities = session.exec(select(OAuthAccount).where(OAuthAccount.user_id == user.id))
    auth_sessions = session.exec(select(AuthSession).where(AuthSession.user_id == user.id))
    return {
        "format": "socialflow-account-export/1",
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "email_verified_at": _iso(user.email_verified_at),
            "display_name": user.display_name,
            "bio": user.bio,
            "role": user.role,
            "state": user.state,
            "is_private": user.is_private,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "has_avatar": user.avatar_key is not None,
            "follower_count": user.follower_count,
            "following_count": user.following_count,
            "created_at": _iso(user.created_at),
            "updated_at": _iso(user.updated_at),
            "password_changed_at": _iso(user.password_changed_at),
            "two_factor_enabled": bool(totp and totp.enabled_at),
        },
        "external_identities": [
            {"provider": i.provider, "email": i.email, "linked_at": _iso(i.created_at)}
            for i in identities
        ],
        "sessions": [
            {
                "id": s.id,
                "user_agent": s.user_agent,
                "ip": s.ip,
                "created_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "revoked_at": _iso(s.revoked_at),
            }
            for s in auth_sessions
        ],
        "audit_log": [
            {"action": e.action, "at": _iso(e.created_at), "ip": e.ip, "details": e.details}
            for e in audit.entries_for(session, user_id=user.id)
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
