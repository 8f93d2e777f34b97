"""``/auth/oauth``: sign-in with an external OpenID Connect / OAuth provider.

The routes are async on purpose: a provider's discovery, token and userinfo
calls run in a small thread pool of their own (:func:`_provider_calls`), so a
provider that hangs cannot starve the API's worker threads, and no database
connection is held while the provider answers. The protocol lives in
:mod:`socialflow.accounts.oauth`.
"""

from __future__ import annotations

import functools
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from socialflow.accounts import oauth, oauth_accounts, totp
from socialflow.accounts import sessions as session_service
from socialflow.accounts.auth_schemas import OAuthLogin, OAuthProviderInfo
from socialflow.accounts.oauth_providers import OAuthFailed
from socialflow.accounts.routes.common import user_agent
from socialflow.core.effects import record_event
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import ClientIp, PlatformDep, RateLimiterDep, in_session
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Name, SafeText
from socialflow.core.platform import Platform

router = APIRouter(prefix="/auth", tags=["auth"])


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
        raise OAuthFailed(f"The sign-in provider did not grant access ({error or 'no code'}).")
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
        user_agent=user_agent(request),
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
    result = oauth_accounts.sign_in(
        session, provider=provider, identity=identity, ip=ip, plugins=platform.plugins
    )
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
