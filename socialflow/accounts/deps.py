"""Who is calling: the dependencies that authenticate (``CurrentUser``, ``OptionalUser``...).

Every one of them goes through :func:`authenticate`, the one rule that decides
whether an access token still stands. Plugin routers use these aliases too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from socialflow.accounts import sessions as session_service
from socialflow.accounts.models import ROLE_RANK, Role, User
from socialflow.accounts.tokens import AccessClaims, DecodedTokens, InvalidToken
from socialflow.core.errors import CALLER_CHECK_ATTRIBUTE, Forbidden, Unauthorized
from socialflow.core.http.deps import PlatformDep, SessionDep, get_platform
from socialflow.core.http.openapi import TOKEN_READER_ATTRIBUTE

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login.")


def get_access_claims(
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims | None:
    if credentials is None:
        return None
    if credentials.scheme.lower() != "bearer":
        raise Unauthorized("Use an `Authorization: Bearer <token>` header.")
    try:
        return platform.get(DecodedTokens).decode(platform.settings, credentials.credentials)
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
setattr(get_access_claims, TOKEN_READER_ATTRIBUTE, True)


def require_role(minimum: Role) -> object:
    """A dependency that lets through users whose role is at least ``minimum``."""

    def check(user: CurrentUser) -> User:
        if ROLE_RANK[Role(user.role)] < ROLE_RANK[minimum]:
            raise Forbidden(f"This needs the {minimum.value} role.")
        return user

    return Depends(check)
