"""Request and response bodies of ``/auth`` beyond register and login."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialflow.core.http.schemas import StrictModel


class RefreshRequest(StrictModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenRequest(StrictModel):
    """A token from a mail link (verification, email change)."""

    token: str = Field(min_length=1, max_length=2000)


class PasswordResetRequest(StrictModel):
    email: str = Field(min_length=1, max_length=254)


class PasswordResetConfirm(StrictModel):
    token: str = Field(min_length=1, max_length=2000)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChange(StrictModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class EmailChange(StrictModel):
    new_email: str = Field(min_length=3, max_length=254)
    password: str | None = Field(default=None, max_length=1024)


class OtpRequest(StrictModel):
    otp: str = Field(min_length=6, max_length=64)


class Accepted(BaseModel):
    detail: str


class SessionInfo(BaseModel):
    id: str
    user_agent: str
    ip: str
    method: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class SessionList(BaseModel):
    items: list[SessionInfo]
    next_cursor: str | None = None


class TwoFactorSetup(BaseModel):
    secret: str
    otpauth_uri: str
    qr_code: str = Field(description="The otpauth URI as a PNG QR code, as a data: URI.")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


class OAuthProviderInfo(BaseModel):
    name: str
    display_name: str
    authorize_url: str


class OAuthLogin(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    created: bool
    linked: bool


class SecondFactorRequest(StrictModel):
    """The second step of a sign-in that answered ``otp-required`` with an ``mfa_token``."""

    mfa_token: str = Field(min_length=1, max_length=2000)
    otp: str = Field(min_length=6, max_length=64)
