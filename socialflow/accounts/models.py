"""Users: the account and its public profile.

The SQLModel ladder: ``UserBase`` (fields a client may see and set at sign-up)
-> ``User`` (the table, with secrets) -> ``UserPublic`` / ``UserPrivate``
(what responses expose). Responses never carry the password hash or 2FA secret."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class Role(StrEnum):
    user = "user"
    creator = "creator"
    moderator = "moderator"
    admin = "admin"


ROLE_RANK = {Role.user: 0, Role.creator: 1, Role.moderator: 2, Role.admin: 3}


class AccountState(StrEnum):
    unverified = "unverified"
    active = "active"
    suspended = "suspended"
    deleted = "deleted"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_skeleton", "email_skeleton", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=30, nullable=False)
    # Lower-cased username: the unique key, so "Alice" and "alice" cannot both exist.
    username_key: str = Field(sa_column=Column(String(30), unique=True, nullable=False, index=True))
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    # What the address looks like (services.users.email_skeleton): lookalikes stay apart.
    email_skeleton: str | None = Field(
        default=None,
        sa_column=Column(String(254), nullable=True),
    )
    email_verified_at: datetime | None = datetime_field()
    password_hash: str | None = Field(default=None, max_length=255)
    display_name: str = Field(default="", max_length=50)
    bio: str = Field(default="", max_length=500)
    avatar_key: str | None = Field(default=None, max_length=255)
    role: str = Field(default=Role.user.value, max_length=16, nullable=False)
    state: str = Field(default=AccountState.unverified.value, max_length=16, nullable=False)
    is_private: bool = Field(default=False, nullable=False)
    # Private: set by the user on their own account, shown only to them (age-gated features).
    birth_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    follower_count: int = Field(default=0, nullable=False)
    following_count: int = Field(default=0, nullable=False)
    # Bumped to cut off every access token issued before (suspension, password change).
    token_version: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()
    password_changed_at: datetime | None = datetime_field()
    deleted_at: datetime | None = datetime_field()


# ----------------------------------------------------------------------
# Credentials beside the password: sessions, refresh tokens, TOTP, OAuth identities.
#
# Nothing here stores a secret a thief could replay: refresh tokens and
# recovery codes are kept only as keyed hashes, and the TOTP seed is encrypted
# with a key derived from ``secret_key``.


def _user_fk() -> Column[int]:
    return Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)


class AuthSession(SQLModel, table=True):
    """One signed-in device: a family of refresh tokens rotated one into the next.

    Revoking it (logout, reuse detected, password change) kills every refresh
    token of the family and, because access tokens carry ``sid``, their
    access tokens too.
    """

    __tablename__ = "auth_sessions"

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    user_id: int = Field(sa_column=_user_fk())
    user_agent: str = Field(default="", max_length=255)
    ip: str = Field(default="", max_length=64)
    method: str = Field(default="password", max_length=32)
    created_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
    revoked_at: datetime | None = datetime_field()
    revoked_reason: str | None = Field(default=None, max_length=32)


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored as its HMAC only. ``used_at`` set means rotated away."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(
        sa_column=Column(
            String(32),
            ForeignKey("auth_sessions.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
    used_at: datetime | None = datetime_field()


class TotpCredential(SQLModel, table=True):
    """A user's TOTP seed (encrypted). ``enabled_at`` is set once a code proved the setup."""

    __tablename__ = "totp_credentials"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    secret_encrypted: str = Field(max_length=255)
    enabled_at: datetime | None = datetime_field()
    # The time step of the last accepted code: a code is never accepted twice.
    last_used_step: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()


class RecoveryCode(SQLModel, table=True):
    """A single-use 2FA recovery code, stored as its HMAC."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()


class OAuthAccount(SQLModel, table=True):
    """An external identity (provider + subject) linked to a user."""

    __tablename__ = "oauth_accounts"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_oauth_provider_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    provider: str = Field(max_length=32)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=254)
    created_at: datetime = created_at_field()
    last_login_at: datetime | None = datetime_field()


class OutgoingMail(SQLModel, table=True):
    """Account mail waiting for delivery (an outbox).

    The Celery task gets only the id, so single-use links never travel
    through the broker or appear in task logs; the body is blanked once sent.
    """

    __tablename__ = "outgoing_mail"

    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=64)
    created_at: datetime = created_at_field()
    sent_at: datetime | None = datetime_field()
    attempts: int = Field(default=0, nullable=False)


class ConsumedToken(SQLModel, table=True):
    """A stateless single-use token (mailed link, OAuth state) that was used.

    ``key`` is a digest of purpose and token id; its primary key is what makes
    a second use fail, atomically (see ``services.single_use``). Rows are
    swept once the token would have expired anyway.
    """

    __tablename__ = "consumed_tokens"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    purpose: str = Field(max_length=32)
    consumed_at: datetime = created_at_field()
    expires_at: datetime = created_at_field(index=True)


# ----------------------------------------------------------------------
# The audit log: who did what to which account, kept after the account is gone.
#
# Rows name users by id only (no foreign key), so anonymizing or deleting an
# account keeps its history readable to moderators.


class AuditLogEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=64, index=True)
    actor_id: int | None = Field(default=None, index=True)
    subject_user_id: int | None = Field(default=None, index=True)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field(index=True)
