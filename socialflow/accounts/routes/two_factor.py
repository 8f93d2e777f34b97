"""``/auth/2fa``: turn TOTP two-factor authentication on and off, recovery codes.

Enabling, disabling and new recovery codes are one shape: the signed-in
caller types a code, the attempt counts toward the per-account 2FA limit (a
six-digit code must not be guessable by retrying), one service of
:mod:`socialflow.accounts.totp` checks it and makes the change, the
transaction commits. :class:`CodeCheckedChange` is that shape once, as a
dependency; the routes only say which service and what to answer. ``/setup``
checks no code (and is not behind the limit); ``/verify`` finishes a sign-in
instead (there is no signed-in caller yet).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request, Response, status
from sqlmodel import Session

from socialflow.accounts import sessions as session_service
from socialflow.accounts import totp
from socialflow.accounts.auth_schemas import (
    OtpRequest,
    RecoveryCodes,
    SecondFactorRequest,
    TwoFactorSetup,
)
from socialflow.accounts.deps import CurrentUser
from socialflow.accounts.models import User
from socialflow.accounts.routes.common import NO_STORE, token_pair, user_agent
from socialflow.accounts.schemas import TokenPair
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.ratelimit import RateLimiter
from socialflow.core.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])

T = TypeVar("T")


@dataclass(frozen=True)
class CodeCheckedChange:
    """The signed-in caller changing their own 2FA with a code, in this request's transaction."""

    user: User
    session: Session
    settings: Settings
    limiter: RateLimiter

    def apply(self, change: Callable[..., T], *, otp: str) -> T:
        """Count the attempt, run ``change(session, settings, user=, otp=)``, commit."""
        self.limiter.hit(
            "2fa-account", self.limiter.config.two_factor_per_account, f"user:{self.user.id}"
        )
        result = change(self.session, self.settings, user=self.user, otp=otp)
        self.session.commit()
        return result


def _code_checked_change(
    user: CurrentUser, session: SessionDep, platform: PlatformDep, limiter: RateLimiterDep
) -> CodeCheckedChange:
    return CodeCheckedChange(
        user=user, session=session, settings=platform.settings, limiter=limiter
    )


CodeChecked = Annotated[CodeCheckedChange, Depends(_code_checked_change)]


@router.post(
    "/2fa/setup", response_model=TwoFactorSetup, dependencies=NO_STORE, responses=problems(409)
)
def setup_2fa(user: CurrentUser, session: SessionDep, platform: PlatformDep) -> TwoFactorSetup:
    """A fresh secret, its ``otpauth://`` URI and a QR code; 2FA is on only after /enable."""
    created = totp.setup(session, platform.settings, user=user)
    session.commit()
    qr = base64.b64encode(created.qr_png).decode()
    return TwoFactorSetup(
        secret=created.secret,
        otpauth_uri=created.otpauth_uri,
        qr_code=f"data:image/png;base64,{qr}",
    )


@router.post(
    "/2fa/enable", response_model=RecoveryCodes, dependencies=NO_STORE, responses=problems(409)
)
def enable_2fa(body: OtpRequest, own: CodeChecked) -> RecoveryCodes:
    """Turn 2FA on with a valid code; returns ten single-use recovery codes, shown once."""
    return RecoveryCodes(recovery_codes=own.apply(totp.enable, otp=body.otp))


@router.post(
    "/2fa/verify", response_model=TokenPair, dependencies=NO_STORE, responses=problems(401)
)
def verify_2fa(
    body: SecondFactorRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> TokenPair:
    """Finish a sign-in that answered ``otp-required`` with an ``mfa_token`` (OAuth)."""
    limiter.hit("login-ip", limiter.config.login_per_ip, ip)
    limiter.hit("2fa-token", limiter.config.two_factor_per_account, body.mfa_token)
    user, method = totp.redeem_challenge(
        session, platform.settings, token=body.mfa_token, otp=body.otp
    )
    if not session_service.may_sign_in(user):
        raise Unauthorized("This account cannot sign in.", slug="invalid-credentials")
    tokens = session_service.start(
        session, platform.settings, user=user, user_agent=user_agent(request), ip=ip, method=method
    )
    session.commit()
    return token_pair(tokens)


@router.post("/2fa/disable", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
def disable_2fa(body: OtpRequest, own: CodeChecked) -> Response:
    own.apply(totp.disable, otp=body.otp)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/2fa/recovery-codes",
    response_model=RecoveryCodes,
    dependencies=NO_STORE,
    responses=problems(409),
)
def regenerate_recovery_codes(body: OtpRequest, own: CodeChecked) -> RecoveryCodes:
    """Replace all recovery codes (the old ones stop working)."""
    return RecoveryCodes(recovery_codes=own.apply(totp.regenerate_recovery_codes, otp=body.otp))
