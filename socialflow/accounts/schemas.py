"""Request and response bodies of the accounts API.

Request models forbid unknown fields, so a client cannot slip in ``role`` or
``state``; response models list exactly what may be shown.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from socialflow.accounts.models import User
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel


class RegisterRequest(StrictModel):
    model_config = examples(
        {
            "username": "alice",
            "email": "alice@example.com",
            "password": "correct horse battery staple",
            "display_name": "Alice",
        }
    )

    username: str = Field(min_length=3, max_length=30)
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str = Field(default="", max_length=50)


class LoginRequest(StrictModel):
    model_config = examples(
        {"username_or_email": "alice", "password": "correct horse battery staple"},
        {"username_or_email": "alice@example.com", "password": "...", "otp": "123456"},
    )

    username_or_email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    otp: str | None = Field(default=None, max_length=64)


class TokenPair(BaseModel):
    """What a sign-in or refresh returns. Keep the refresh token in secure storage."""

    model_config = examples(
        {
            "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
            "refresh_token": "rt_7Qm2hX9vK4pL0sN8wY3zB6cF1dG5jT",
            "token_type": "bearer",
            "expires_in": 900,
        }
    )

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class UserPublic(BaseModel):
    """A user as anyone may see them."""

    model_config = examples(
        {
            "id": 42,
            "username": "alice",
            "display_name": "Alice",
            "bio": "Filming bikes and mountains.",
            "avatar_url": "https://media.example.com/avatars/42/256.webp?sig=abc",
            "follower_count": 1200,
            "following_count": 180,
            "is_following": False,
            "is_private": False,
            "created_at": "2026-01-15T09:30:00Z",
            "counters": {"videos": 14},
        }
    )

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

    model_config = examples(
        example_of(
            UserPublic,
            email="alice@example.com",
            email_verified=True,
            role="user",
            state="active",
            two_factor_enabled=False,
            has_password=True,
            birth_date="1994-05-17",
        )
    )

    email: str
    email_verified: bool
    role: str
    state: str
    two_factor_enabled: bool = False
    has_password: bool = True
    birth_date: date | None = Field(
        default=None,
        description="Private: only the account itself sees it. Age-gated features "
        "(such as ads with a minimum age) read it; without it they treat the age as unknown.",
    )

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
            birth_date=user.birth_date,
        )


class UserUpdate(StrictModel):
    model_config = examples(
        {"display_name": "Alice B.", "bio": "Bikes, mountains, coffee."},
        {"birth_date": "1994-05-17"},
        {"birth_date": None},
    )

    display_name: str | None = Field(default=None, max_length=50)
    bio: str | None = Field(default=None, max_length=500)
    is_private: bool | None = None
    birth_date: date | None = Field(
        default=None,
        description="Your date of birth (private, never shown to others); null removes it. "
        "Not in the future, at most 120 years ago.",
    )


class DeleteAccountRequest(StrictModel):
    """Deleting needs the password (accounts without one, from OAuth, send none)."""

    model_config = examples({"password": "correct horse battery staple"})

    password: str | None = Field(default=None, max_length=1024)
    otp: str | None = Field(default=None, max_length=64)
