"""Request and response bodies of the accounts API.

Request models forbid unknown fields, so a client cannot slip in ``role`` or
``state``; response models list exactly what may be shown.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialflow.accounts.models import User
from socialflow.core.http.schemas import StrictModel


class RegisterRequest(StrictModel):
    username: str = Field(min_length=3, max_length=30)
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str = Field(default="", max_length=50)


class LoginRequest(StrictModel):
    username_or_email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    otp: str | None = Field(default=None, max_length=64)


class TokenPair(BaseModel):
    """What a sign-in or refresh returns. Keep the refresh token in secure storage."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class UserPublic(BaseModel):
    """A user as anyone may see them."""

    id: int
    username: str
    display_name: str
    bio: str
    avatar_url: str | None
    follower_count: int
    following_count: int
    is_following: bool = False
    is_private: bool = False
    created_at: datetime
    counters: dict[str, int] = Field(
        default_factory=dict,
        description="Counts other apps show on a profile (``socialflow_counters``), "
        "such as videos.",
        examples=[{"videos": 3}],
    )

    @classmethod
    def of(
        cls,
        user: User,
        *,
        avatar_url: str | None = None,
        is_following: bool = False,
        counters: dict[str, int] | None = None,
    ) -> UserPublic:
        assert user.id is not None
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            bio=user.bio,
            avatar_url=avatar_url,
            follower_count=user.follower_count,
            following_count=user.following_count,
            is_following=is_following,
            is_private=user.is_private,
            created_at=user.created_at,
            counters=counters or {},
        )


class UserPrivate(UserPublic):
    """The caller's own account: public fields plus private ones."""

    email: str
    email_verified: bool
    role: str
    state: str
    two_factor_enabled: bool = False
    has_password: bool = True

    @classmethod
    def of_self(
        cls,
        user: User,
        *,
        avatar_url: str | None = None,
        two_factor_enabled: bool = False,
        counters: dict[str, int] | None = None,
    ) -> UserPrivate:
        public = UserPublic.of(user, avatar_url=avatar_url, counters=counters)
        return cls(
            **public.model_dump(),
            email=user.email,
            email_verified=user.email_verified_at is not None,
            role=user.role,
            state=user.state,
            two_factor_enabled=two_factor_enabled,
            has_password=user.password_hash is not None,
        )


class UserUpdate(StrictModel):
    display_name: str | None = Field(default=None, max_length=50)
    bio: str | None = Field(default=None, max_length=500)
    is_private: bool | None = None


class DeleteAccountRequest(StrictModel):
    """Deleting needs the password (accounts without one, from OAuth, send none)."""

    password: str | None = Field(default=None, max_length=1024)
    otp: str | None = Field(default=None, max_length=64)
