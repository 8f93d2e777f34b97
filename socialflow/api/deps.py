"""Dependencies every router shares: the platform, a session, the caller.

Use the ``Annotated`` aliases in route signatures (``session: SessionDep``,
``user: CurrentUser``); plugin routers use them too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from socialflow.api.types import Cursor, id_cursor
from socialflow.errors import CALLER_CHECK_ATTRIBUTE, Forbidden, Unauthorized
from socialflow.models.user import ROLE_RANK, Role, User
from socialflow.platform import Platform
from socialflow.services import sessions as session_service
from socialflow.services.ratelimit import RateLimiter
from socialflow.services.tokens import AccessClaims, InvalidToken

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login.")


def get_platform(request: Request) -> Platform:
    """The platform serving this request (``app.state.socialflow``), started on first use."""
    platform: Platform = request.app.state.socialflow
    return platform.start()


PlatformDep = Annotated[Platform, Depends(get_platform)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request, platform: PlatformDep) -> Iterator[Session]:
    """A session per request; read-only for safe methods, which must not write."""
    with platform.session(read_only=request.method in SAFE_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_write_session(platform: PlatformDep) -> Iterator[Session]:
    """For the rare GET that must write (an OAuth callback signs a user in)."""
    with platform.session() as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def get_access_claims(
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims | None:
    if credentials is None:
        return None
    if credentials.scheme.lower() != "bearer":
        raise Unauthorized("Use an `Authorization: Bearer <token>` header.")
    try:
        return platform.decoded_tokens.decode(platform.settings, credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.", slug="invalid-token") from exc


ClaimsDep = Annotated[AccessClaims | None, Depends(get_access_claims)]


def authenticate(session: Session, claims: AccessClaims) -> User:
    """The caller an access token names, or 401 if the token no longer stands.

    Every dependency that authenticates goes through here, so a logout, a
    revoked session, a suspension or a ``token_version`` bump ends access on
    every route at once (the rule itself is ``services.sessions.caller``).
    """
    user = session_service.caller(
        session,
        user_id=claims.user_id,
        session_id=claims.session_id,
        token_version=claims.token_version,
    )
    if user is None:
        raise Unauthorized("The access token is no longer valid.", slug="invalid-token")
    return user


def get_optional_user(session: SessionDep, claims: ClaimsDep) -> User | None:
    """The caller, or ``None`` when anonymous. A bad token is an error, not anonymity."""
    if claims is None:
        return None
    return authenticate(session, claims)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise Unauthorized()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def check_credentials(request: Request) -> None:
    """Raise 401 unless ``request`` carries an access token that still stands.

    The exception handlers call it when a request fails before dependencies run (a
    malformed JSON body): on a route that needs a caller, an anonymous one hears 401.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if token.strip()
        else None
    )
    platform = get_platform(request)
    claims = get_access_claims(platform, credentials)
    if claims is None:
        raise Unauthorized()
    with platform.session(read_only=True) as session:
        authenticate(session, claims)  # a logged-out or revoked token is refused here too


def get_detached_user(platform: PlatformDep, claims: ClaimsDep) -> User:
    """The caller, loaded in a short session of its own and detached from it.

    For ``async`` routes that stream a request body (tus PATCHes, image
    uploads): no database connection is held while the bytes arrive.
    """
    if claims is None:
        raise Unauthorized()
    with platform.session(read_only=True) as session:
        user = authenticate(session, claims)
        session.expunge(user)
        return user


DetachedUser = Annotated[User, Depends(get_detached_user)]

for _needs_caller in (get_current_user, get_detached_user):
    setattr(_needs_caller, CALLER_CHECK_ATTRIBUTE, check_credentials)

T = TypeVar("T")


async def in_session(
    platform: Platform,
    work: Callable[..., T],
    /,
    limiter: anyio.CapacityLimiter | None = None,
    **kwargs: Any,
) -> T:
    """Run a service function with its own session in a worker thread (``async`` routes).

    ``limiter`` bounds how many such calls run at once (e.g. image decodes).
    """

    def run() -> T:
        with platform.session() as session:
            return work(session=session, **kwargs)

    return await anyio.to_thread.run_sync(run, limiter=limiter)


def get_client_ip(request: Request) -> str:
    """The client's address: the peer's, or the one a proxy in ``trusted_proxies`` forwarded.

    ``create_app`` resolves ``X-Forwarded-For`` from trusted proxies only
    (``socialflow.api.edge``), so a client cannot choose its own rate-limit key.
    """
    return request.client.host if request.client else ""


ClientIp = Annotated[str, Depends(get_client_ip)]


_building_rate_limiter = threading.Lock()


def get_rate_limiter(platform: PlatformDep) -> RateLimiter:
    """The platform's rate limiter, built on first use and kept on the platform.

    Built once, under a lock: the first requests of a process arrive together,
    and building several at once raced inside ``limits`` (its Redis storage
    checks the client's version on first import and saw none: 500s).
    """
    limiter: RateLimiter | None = platform.__dict__.get("_socialflow_rate_limiter")
    if limiter is None:
        with _building_rate_limiter:
            limiter = platform.__dict__.get("_socialflow_rate_limiter")
            if limiter is None:
                limiter = RateLimiter(platform.settings)
                platform.__dict__["_socialflow_rate_limiter"] = limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def require_role(minimum: Role) -> object:
    """A dependency that lets through users whose role is at least ``minimum``."""

    def check(user: CurrentUser) -> User:
        if ROLE_RANK[Role(user.role)] < ROLE_RANK[minimum]:
            raise Forbidden(f"This needs the {minimum.value} role.")
        return user

    return Depends(check)


class Page:
    """Cursor pagination parameters: ``?cursor=&limit=``."""

    def __init__(
        self,
        cursor: Annotated[Cursor | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.cursor = cursor
        self.limit = limit

    def id_cursor(self) -> int | None:
        """The cursor of a page ordered by row id, as that id (422 ``invalid-cursor`` if not)."""
        return id_cursor(self.cursor)


PageDep = Annotated[Page, Depends()]
