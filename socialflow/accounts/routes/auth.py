"""``/auth``: sign-up, sign-in, tokens, sessions, email flows, 2FA, OAuth login.

Routers only translate HTTP: rate limits (they need the client's IP), the
session id of the access token, cookies and redirects. The rules live in the
services.
"""

from __future__ import annotations

import base64
import functools
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from socialflow.accounts import email_flows, oauth, totp
from socialflow.accounts import refresh_tokens as refresh_service
from socialflow.accounts import sessions as session_service
from socialflow.accounts import users as user_service
from socialflow.accounts.auth_schemas import (
    Accepted,
    EmailChange,
    OAuthLogin,
    OAuthProviderInfo,
    OtpRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RecoveryCodes,
    RefreshRequest,
    SecondFactorRequest,
    SessionInfo,
    SessionList,
    TokenRequest,
    TwoFactorSetup,
)
from socialflow.accounts.deps import ClaimsDep, CurrentUser
from socialflow.accounts.schemas import LoginRequest, RegisterRequest, TokenPair, UserPrivate
from socialflow.accounts.sessions import IssuedTokens
from socialflow.core.effects import record_event
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, SessionDep, in_session
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name, SafeText, clean_label
from socialflow.core.platform import Platform
from socialflow.core.ratelimit import locked_out

router = APIRouter(prefix="/auth", tags=["auth"])

RESET_ACCEPTED = "If an account uses that address, a message with a reset link is on its way."


def _no_store(response: Response) -> None:
    """Secrets in a body must not be cached by browsers or proxies (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


NO_STORE = [Depends(_no_store)]


def _pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


def _user_agent(request: Request) -> str:
    return clean_label(request.headers.get("user-agent", "")[:255])


# ------------------------------------------------------------ sign-up, sign-in


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPrivate,
    responses=problems(409),
)
def register(
    body: RegisterRequest,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> UserPrivate:
    """Create an account; a verification mail goes to the address."""
    limiter.hit("register-ip", limiter.config.register_per_ip, ip)
    user = user_service.create_user(
        session=session,
        username=body.username,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
    )
    email_flows.send_verification(session, platform.settings, user=user)
    record_event(session, "user_registered", user_id=user.id, username=user.username)
    session.commit()
    return UserPrivate.of_self(user)


@router.post(
    "/login", response_model=TokenPair, dependencies=NO_STORE, responses=problems(401, 403)
)
def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> TokenPair:
    """Password (and, with 2FA on, ``otp``) for an access and a refresh token.

    Unknown users, wrong passwords and suspended accounts answer alike.
    Failures count toward a progressive lockout of the account (whichever of
    its login names was typed). While it is locked, only the password together
    with a correct second factor gets in, and lifts the lock.
    """
    limiter.hit("login-ip", limiter.config.login_per_ip, ip)
    account = user_service.lockout_key(session=session, username_or_email=body.username_or_email)
    limiter.hit("login-account", limiter.config.login_per_account, account)
    locked_for = limiter.lockout_remaining(account)
    if locked_for and not body.otp:
        raise locked_out(locked_for)
    user = user_service.authenticate(
        session=session, username_or_email=body.username_or_email, password=body.password
    )
    if user is None or user.id is None:
        limiter.record_failure(account)
        if locked_for:
            raise locked_out(locked_for)
        raise Unauthorized("Wrong username, email or password.", slug="invalid-credentials")
    two_factor = totp.is_enabled(session, user=user)
    if locked_for and not two_factor:
        raise locked_out(locked_for)
    if two_factor:
        if not body.otp:
            session.commit()  # keep a password rehash
            raise Unauthorized(
                "This account uses two-factor authentication: send `otp` too.",
                slug="otp-required",
            )
        limiter.hit("2fa-account", limiter.config.two_factor_per_account, account)
        if not totp.check_second_factor(session, platform.settings, user=user, otp=body.otp):
            limiter.record_failure(account)
            if locked_for:
                raise locked_out(locked_for)
            raise totp.InvalidOtp("That code is not valid or was already used.")
    if locked_for:
        limiter.lift_lockout(account)  # password and second factor: the owner
    else:
        limiter.record_success(account)
    tokens = session_service.start(
        session, platform.settings, user=user, user_agent=_user_agent(request), ip=ip
    )
    session.commit()
    return _pair(tokens)


@router.post("/refresh", response_model=TokenPair, dependencies=NO_STORE, responses=problems(401))
def refresh(
    body: RefreshRequest, session: SessionDep, platform: PlatformDep, ip: ClientIp
) -> TokenPair:
    """Trade a refresh token for a new pair. A token works once; reuse revokes the session."""
    rotated = refresh_service.rotate(session, platform.settings, token=body.refresh_token, ip=ip)
    tokens = session_service.tokens_for(
        platform.settings,
        user=rotated.user,
        auth_session=rotated.auth_session,
        refresh_token=rotated.refresh_token,
    )
    session.commit()
    return _pair(tokens)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    user: CurrentUser,
    claims: ClaimsDep,
    session: SessionDep,
    platform: PlatformDep,
    body: RefreshRequest | None = None,
) -> Response:
    """End this session: its refresh tokens and access tokens stop working.

    The session is the access token's; a ``refresh_token`` in the body names
    it instead (for tokens issued without a session).
    """
    session_id = claims.session_id if claims else None
    if session_id is None and body is not None:
        found = refresh_service.session_of(session, platform.settings, token=body.refresh_token)
        session_id = found.id if found else None
    if session_id is not None:
        session_service.revoke_for_user(session, user=user, session_id=session_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -------------------------------------------------------------------- sessions


@router.get("/sessions", response_model=SessionList)
def list_sessions(user: CurrentUser, claims: ClaimsDep, session: SessionDep) -> SessionList:
    """Where the caller is signed in: device, IP, first and last seen."""
    current = claims.session_id if claims else None
    return SessionList(
        items=[
            SessionInfo(
                id=s.id,
                user_agent=s.user_agent,
                ip=s.ip,
                method=s.method,
                created_at=s.created_at,
                last_seen_at=s.last_seen_at,
                current=s.id == current,
            )
            for s in session_service.list_active(session, user=user)
        ]
    )


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: Name, user: CurrentUser, session: SessionDep) -> Response:
    """Sign one device out. Another user's session id answers 404."""
    session_service.revoke_for_user(session, user=user, session_id=session_id[:64])
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- email flows


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


# ------------------------------------------------------------------------- 2FA


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
def enable_2fa(
    body: OtpRequest,
    user: CurrentUser,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> RecoveryCodes:
    """Turn 2FA on with a valid code; returns ten single-use recovery codes, shown once."""
    limiter.hit("2fa-account", limiter.config.two_factor_per_account, f"user:{user.id}")
    codes = totp.enable(session, platform.settings, user=user, otp=body.otp)
    session.commit()
    return RecoveryCodes(recovery_codes=codes)


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
        session, platform.settings, user=user, user_agent=_user_agent(request), ip=ip, method=method
    )
    session.commit()
    return _pair(tokens)


@router.post("/2fa/disable", status_code=status.HTTP_204_NO_CONTENT, responses=problems(409))
def disable_2fa(
    body: OtpRequest,
    user: CurrentUser,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> Response:
    limiter.hit("2fa-account", limiter.config.two_factor_per_account, f"user:{user.id}")
    totp.disable(session, platform.settings, user=user, otp=body.otp)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/2fa/recovery-codes",
    response_model=RecoveryCodes,
    dependencies=NO_STORE,
    responses=problems(409),
)
def regenerate_recovery_codes(
    body: OtpRequest,
    user: CurrentUser,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> RecoveryCodes:
    """Replace all recovery codes (the old ones stop working)."""
    limiter.hit("2fa-account", limiter.config.two_factor_per_account, f"user:{user.id}")
    codes = totp.regenerate_recovery_codes(session, platform.settings, user=user, otp=body.otp)
    session.commit()
    return RecoveryCodes(recovery_codes=codes)


# ----------------------------------------------------------------------- OAuth


@router.get("/oauth/providers", response_model=list[OAuthProviderInfo])
def oauth_providers(platform: PlatformDep) -> list[OAuthProviderInfo]:
    """The external sign-in providers configured, for a login page to list."""
    settings = platform.settings
    base = f"{settings.public_url}{settings.api_prefix}/auth/oauth"
    return [
        OAuthProviderInfo(
            name=name,
            display_name=config.display_name or (config.preset or name).title(),
            authorize_url=f"{base}/{name}/authorize",
        )
        for name, config in sorted(settings.oauth.items())
    ]


def _provider_calls(platform: Platform) -> anyio.CapacityLimiter:
    """The small thread pool provider calls run in (one per platform, made on first use).

    A provider that hangs ties up at most these threads: every other route
    keeps the API's own worker threads.
    """
    limiter: anyio.CapacityLimiter | None = platform.__dict__.get("_socialflow_oauth_calls")
    if limiter is None:
        limiter = platform.__dict__.setdefault(
            "_socialflow_oauth_calls", anyio.CapacityLimiter(oauth.OUTBOUND_CONCURRENCY)
        )
    return limiter


@router.get("/oauth/{provider}/authorize", status_code=status.HTTP_302_FOUND)
async def oauth_authorize(
    provider: Name, platform: PlatformDep, limiter: RateLimiterDep, ip: ClientIp
) -> RedirectResponse:
    """Redirect the browser to the provider, with state, PKCE and nonce."""
    settings = platform.settings
    await anyio.to_thread.run_sync(
        limiter.hit, "oauth-authorize-ip", limiter.config.oauth_authorize_per_ip, ip
    )
    # Discovery may reach out to the provider: in the provider pool, off the event loop.
    url, cookie = await anyio.to_thread.run_sync(
        oauth.start, settings, provider, limiter=_provider_calls(platform)
    )
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        oauth.STATE_COOKIE,
        cookie,
        max_age=int(oauth.STATE_TTL.total_seconds()),
        path=f"{settings.api_prefix}/auth/oauth/{provider}",
        httponly=True,
        secure=settings.public_url.startswith("https://"),
        samesite="lax",
    )
    return response


@router.get("/oauth/{provider}/callback", response_model=OAuthLogin, responses=problems(400, 403))
async def oauth_callback(
    provider: Name,
    request: Request,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
    code: Annotated[SafeText | None, Query(max_length=2000)] = None,
    state: Annotated[SafeText | None, Query(max_length=500)] = None,
    error: Annotated[SafeText | None, Query(max_length=200)] = None,
    iss: Annotated[SafeText | None, Query(max_length=500)] = None,
) -> Response:
    """Finish the provider's redirect: sign in (linking or creating the account).

    Three steps, none holding what the next needs: use the ``state`` once (a
    short transaction), ask the provider who signed in (its own thread pool,
    no database connection held), then sign in (a short transaction).
    """
    await anyio.to_thread.run_sync(limiter.hit, "login-ip", limiter.config.login_per_ip, ip)
    if error or not code or not state:
        raise oauth.OAuthFailed(
            f"The sign-in provider did not grant access ({error or 'no code'})."
        )
    settings = platform.settings
    pending = oauth.read_state(settings, provider, request.cookies.get(oauth.STATE_COOKIE), state)
    await in_session(platform, _use_state, pending=pending)
    identity = await anyio.to_thread.run_sync(
        functools.partial(oauth.fetch_identity, settings, pending, code=code, iss=iss),
        limiter=_provider_calls(platform),
    )
    body = await in_session(
        platform,
        _finish_oauth_sign_in,
        platform=platform,
        provider=provider,
        identity=identity,
        user_agent=_user_agent(request),
        ip=ip,
    )
    response = Response(body.model_dump_json(), media_type="application/json")
    response.delete_cookie(oauth.STATE_COOKIE, path=f"{settings.api_prefix}/auth/oauth/{provider}")
    response.headers["Cache-Control"] = "no-store"
    return response


def _use_state(*, session: Session, pending: oauth.PendingSignIn) -> None:
    oauth.consume_state(session, pending)
    session.commit()


def _finish_oauth_sign_in(
    *,
    session: Session,
    platform: Platform,
    provider: str,
    identity: oauth.ExternalIdentity,
    user_agent: str,
    ip: str,
) -> OAuthLogin:
    result = oauth.sign_in(session, provider=provider, identity=identity, ip=ip)
    if totp.is_enabled(session, user=result.user):
        # The provider vouched for the first factor; the account asks for its second.
        session.commit()
        raise Unauthorized(
            "This account uses two-factor authentication: post the code with this "
            "`mfa_token` to /auth/2fa/verify.",
            slug="otp-required",
            mfa_token=totp.issue_challenge(
                platform.settings, user=result.user, method=f"oauth:{provider}"
            ),
        )
    tokens = session_service.start(
        session,
        platform.settings,
        user=result.user,
        user_agent=user_agent,
        ip=ip,
        method=f"oauth:{provider}",
    )
    if result.created:
        record_event(
            session, "user_registered", user_id=result.user.id, username=result.user.username
        )
    session.commit()
    return OAuthLogin(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        created=result.created,
        linked=result.linked,
    )
