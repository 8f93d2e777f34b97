"""Users: the account and its public profile.

The SQLModel ladder: ``UserBase`` (fields a client may see and set at sign-up)
-> ``User`` (the table, with secrets) -> ``UserPublic`` / ``UserPrivate``
(what responses expose). Responses never carry the password hash or 2FA secret.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from socialflow.models.base import created_at_field, datetime_field


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
    follower_count: int = Field(default=0, nullable=False)
    following_count: int = Field(default=0, nullable=False)
    # Bumped to cut off every access token issued before (suspension, password change).
    token_version: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()
    password_changed_at: datetime | None = datetime_field()
    deleted_at: datetime | None = datetime_field()
