"""``/auth``: address verification, password reset and change, address change.

Every route here either mails a single-use link or redeems one, so they share
the reset and lockout limits; the links' rules live in
:mod:`socialflow.accounts.email_flows`.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from socialflow.accounts import email_flows
from socialflow.accounts.auth_schemas import (
    Accepted,
    EmailChange,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    TokenRequest,
)
from socialflow.accounts.deps import ClaimsDep, CurrentUser
from socialflow.accounts.schemas import UserPrivate
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, SessionDep
from socialflow.core.http.openapi import problems

router = APIRouter(prefix="/auth", tags=["auth"])

RESET_ACCEPTED = "If an account uses that address, a message with a reset link is on its way."


@router.post("/verify-email", response_model=UserPrivate, responses=problems(409))
def verify_email(body: TokenRequest, session: SessionDep, platform: PlatformDep) -> UserPrivate:
    """Confirm the address with the token from the verification mail."""
    user = email_flows.verify_email(session, platform.settings, token=body.token)
    session.commit()
    return UserPrivate.of_self(user)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=problems(409),
)
def resend_verification(
    user: CurrentUser, session: SessionDep, platform: PlatformDep, limiter: RateLimiterDep
) -> Accepted:
    limiter.hit("verify-account", limiter.config.password_reset_per_account, str(user.id))
    email_flows.send_verification(session, platform.settings, user=user)
    session.commit()
    return Accepted(detail="A new verification message is on its way.")


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def request_password_reset(
    body: PasswordResetRequest,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> Accepted:
    """Mail a reset link. The answer never says whether the address has an account."""
    limiter.hit("reset-ip", limiter.config.password_reset_per_ip, ip)
    limiter.hit("reset-account", limiter.config.password_reset_per_account, body.email)
    email_flows.request_password_reset(session, platform.settings, email=body.email)
    session.commit()
    return Accepted(detail=RESET_ACCEPTED)


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_password_reset(
    body: PasswordResetConfirm,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> Response:
    """Set a new password with the mailed token; every session is signed out."""
    limiter.hit("reset-ip", limiter.config.password_reset_per_ip, ip)
    user = email_flows.confirm_password_reset(
        session, platform.settings, token=body.token, new_password=body.new_password, ip=ip
    )
    session.commit()
    # The mailbox's owner chose a new password: the guesses at the old one no longer matter.
    limiter.lift_lockout(f"user:{user.id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/change", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange,
    user: CurrentUser,
    claims: ClaimsDep,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> Response:
    """Change the password; other devices are signed out, the address is told."""
    limiter.check_lockout(f"user:{user.id}")
    try:
        email_flows.change_password(
            session,
            platform.settings,
            user=user,
            current_password=body.current_password,
            new_password=body.new_password,
            keep_session_id=claims.session_id if claims else None,
            ip=ip,
        )
    except Unauthorized:
        limiter.record_failure(f"user:{user.id}")
        raise
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/email/change",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=problems(409),
)
def request_email_change(
    body: EmailChange,
    user: CurrentUser,
    claims: ClaimsDep,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> Accepted:
    """Ask to move to a new address; it changes once the new address confirms."""
    limiter.check_lockout(f"user:{user.id}")
    try:
        email_flows.request_email_change(
            session,
            platform.settings,
            user=user,
            new_email=body.new_email,
            password=body.password,
            session_id=claims.session_id if claims else None,
        )
    except Unauthorized:
        limiter.record_failure(f"user:{user.id}")
        raise
    session.commit()
    return Accepted(detail="Open the link we sent to the new address to confirm it.")


@router.post("/email/change/confirm", response_model=UserPrivate, responses=problems(409))
def confirm_email_change(
    body: TokenRequest, session: SessionDep, platform: PlatformDep, ip: ClientIp
) -> UserPrivate:
    user = email_flows.confirm_email_change(session, platform.settings, token=body.token, ip=ip)
    session.commit()
    return UserPrivate.of_self(user)
