"""``/auth``: sign-up, sign-in, token refresh, sign-out and the caller's sessions.

The rest of ``/auth`` lives beside it: :mod:`.email_flows` (verification,
password and address changes), :mod:`.two_factor` and :mod:`.oauth`. Routers
only translate HTTP: rate limits (they need the client's IP), the session id
of the access token, cookies and redirects. The rules live in the services.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from socialflow.accounts import email_flows, totp
from socialflow.accounts import refresh_tokens as refresh_service
from socialflow.accounts import sessions as session_service
from socialflow.accounts import users as user_service
from socialflow.accounts.auth_schemas import RefreshRequest, SessionInfo, SessionList
from socialflow.accounts.deps import ClaimsDep, CurrentUser
from socialflow.accounts.routes.common import NO_STORE, token_pair, user_agent
from socialflow.accounts.schemas import LoginRequest, RegisterRequest, TokenPair, UserPrivate
from socialflow.accounts.signup import check_signup
from socialflow.core.effects import record_event
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name
from socialflow.core.ratelimit import locked_out

router = APIRouter(prefix="/auth", tags=["auth"])


# ------------------------------------------------------------ sign-up, sign-in


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPrivate,
    responses=problems(403, 409),
)
def register(
    body: RegisterRequest,
    session: SessionDep,
    platform: PlatformDep,
    limiter: RateLimiterDep,
    ip: ClientIp,
) -> UserPrivate:
    """Create an account; a verification mail goes to the address.

    Plugins may refuse the address or the client's network first (403, e.g.
    ``signup-blocked``), before anything is written.
    """
    limiter.hit("register-ip", limiter.config.register_per_ip, ip)
    check_signup(platform.plugins, session, email=body.email, ip=ip)
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
        session, platform.settings, user=user, user_agent=user_agent(request), ip=ip
    )
    session.commit()
    return token_pair(tokens)


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
    return token_pair(tokens)


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
