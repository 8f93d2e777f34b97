"""Request and response bodies of ``/auth`` beyond register and login."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel


class RefreshRequest(StrictModel):
    model_config = examples({"refresh_token": "rt_7Qm2hX9vK4pL0sN8wY3zB6cF1dG5jT"})

    refresh_token: str = Field(min_length=1, max_length=200)


class TokenRequest(StrictModel):
    """A token from a mail link (verification, email change)."""

    model_config = examples({"token": "eyJhbGciOiJIUzI1NiJ9.eyJwdXJwb3NlIjoidmVyaWZ5In0.c2ln"})

    token: str = Field(min_length=1, max_length=2000)


class PasswordResetRequest(StrictModel):
    model_config = examples({"email": "alice@example.com"})

    email: str = Field(min_length=1, max_length=254)


class PasswordResetConfirm(StrictModel):
    model_config = examples(
        {
            "token": "eyJhbGciOiJIUzI1NiJ9.eyJwdXJwb3NlIjoicmVzZXQifQ.c2ln",
            "new_password": "a new long passphrase",
        }
    )

    token: str = Field(min_length=1, max_length=2000)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChange(StrictModel):
    model_config = examples(
        {
            "current_password": "correct horse battery staple",
            "new_password": "a new long passphrase",
        }
    )

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class EmailChange(StrictModel):
    model_config = examples(
        {"new_email": "alice@example.org", "password": "correct horse battery staple"}
    )

    new_email: str = Field(min_length=3, max_length=254)
    password: str | None = Field(default=None, max_length=1024)


class OtpRequest(StrictModel):
    model_config = examples({"otp": "123456"})

    otp: str = Field(min_length=6, max_length=64)


class Accepted(BaseModel):
    model_config = examples({"detail": "If the address is known, a mail is on its way."})

    detail: str


class SessionInfo(BaseModel):
    model_config = examples(
        {
            "id": "s_3f9a1c",
            "user_agent": "socialflow-ios/2.3 (iPhone; iOS 18.1)",
            "ip": "203.0.113.7",
            "method": "password",
            "created_at": "2026-03-01T08:00:00Z",
            "last_seen_at": "2026-03-02T18:45:10Z",
            "current": True,
        }
    )

    id: str
    user_agent: str
    ip: str
    method: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class SessionList(BaseModel):
    model_config = examples({"items": [example_of(SessionInfo)], "next_cursor": None})

    items: list[SessionInfo]
    next_cursor: str | None = None


class TwoFactorSetup(BaseModel):
    model_config = examples(
        {
            "secret": "JBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/socialflow:alice?secret=JBSWY3DPEHPK3PXP&issuer=socialflow",
            "qr_code": "data:image/png;base64,iVBORw0KGgo...",
        }
    )

    secret: str
    otpauth_uri: str
    qr_code: str = Field(description="The otpauth URI as a PNG QR code, as a data: URI.")


class RecoveryCodes(BaseModel):
    model_config = examples({"recovery_codes": ["k7d2-9fq4", "p3x8-2mzt", "w6c1-h5rb"]})

    recovery_codes: list[str]


class OAuthProviderInfo(BaseModel):
    model_config = examples(
        {
            "name": "google",
            "display_name": "Google",
            "authorize_url": "https://api.example.com/api/v1/auth/oauth/google/authorize",
        }
    )

    name: str
    display_name: str
    authorize_url: str


class OAuthLogin(BaseModel):
    model_config = examples(
        {
            "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
            "refresh_token": "rt_7Qm2hX9vK4pL0sN8wY3zB6cF1dG5jT",
            "token_type": "bearer",
            "expires_in": 900,
            "created": False,
            "linked": True,
        }
    )

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    created: bool
    linked: bool


class SecondFactorRequest(StrictModel):
    """The second step of a sign-in that answered ``otp-required`` with an ``mfa_token``."""

    model_config = examples(
        {"mfa_token": "eyJhbGciOiJIUzI1NiJ9.eyJtZmEiOjQyfQ.c2ln", "otp": "123456"}
    )

    mfa_token: str = Field(min_length=1, max_length=2000)
    otp: str = Field(min_length=6, max_length=64)
