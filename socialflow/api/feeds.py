"""``/feed/home``, ``/feed/explore``, ``/feed/hashtag/{tag}``: ranked, cursor-paged feeds.

These are the hottest routes, so they take one trip to the thread pool and one
pooled connection (SQLAlchemy Core, no ORM session), rather than the chain of
shared dependencies: the caller is checked by :func:`viewer_id` with the same
rules as ``api.deps.get_optional_user`` (valid token, standing session, active
account, current token version; see ``services.sessions``), and the body is
serialized once from plain dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.engine import Connection

from socialflow.api.deps import get_access_claims, get_platform
from socialflow.api.social_schemas import PostPage
from socialflow.errors import Unauthorized
from socialflow.platform import Platform
from socialflow.services import feeds as feed_service
from socialflow.services import graph as graph_service
from socialflow.services.sessions import token_holder_is_valid

router = APIRouter(prefix="/feed", tags=["feeds"])

BEARER: dict[str, Any] = {"security": [{"HTTPBearer": []}]}
Cursor = Annotated[
    str | None, Query(max_length=1000, description="next_cursor of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=100)]
Authorization = Annotated[str | None, Header(include_in_schema=False)]


def viewer_id(
    platform: Platform, connection: Connection, authorization: str | None, *, required: bool
) -> int | None:
    """The caller's user id from the bearer token (None if anonymous and allowed)."""
    credentials = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
    claims = get_access_claims(platform, credentials)
    if claims is None:
        if required:
            raise Unauthorized()
        return None
    if not token_holder_is_valid(
        connection,
        user_id=claims.user_id,
        session_id=claims.session_id,
        token_version=claims.token_version,
    ):
        raise Unauthorized("The access token is no longer valid.", slug="invalid-token")
    return claims.user_id


def _respond(
    request: Request,
    authorization: str | None,
    *,
    required: bool,
    build: Callable[[Platform, Connection, int | None], dict[str, Any]],
) -> Response:
    platform = get_platform(request)
    with platform.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Reads (and the idempotent timeline rebuild) need no transaction:
            # autocommit saves the BEGIN and COMMIT round trips.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        viewer = viewer_id(platform, connection, authorization, required=required)
        body = build(platform, connection, viewer)
        connection.commit()
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@router.get("/home", response_model=PostPage, openapi_extra=BEARER)
def home(
    request: Request, authorization: Authorization = None, cursor: Cursor = None, limit: Limit = 20
) -> Response:
    def build(platform: Platform, connection: Connection, viewer: int | None) -> dict[str, Any]:
        assert viewer is not None
        fetch = feed_service.home_fetcher(platform, connection, viewer)
        return feed_service.ranked_page(
            platform,
            connection,
            feed="home",
            viewer_id=viewer,
            fetch=fetch,
            cursor=cursor,
            limit=limit,
        )

    return _respond(request, authorization, required=True, build=build)


@router.get("/explore", response_model=PostPage, openapi_extra=BEARER)
def explore(
    request: Request, authorization: Authorization = None, cursor: Cursor = None, limit: Limit = 20
) -> Response:
    def build(platform: Platform, connection: Connection, viewer: int | None) -> dict[str, Any]:
        hidden = graph_service.hidden_user_ids(connection, viewer)
        return feed_service.ranked_page(
            platform,
            connection,
            feed="explore",
            viewer_id=viewer,
            fetch=feed_service.explore_fetcher(connection, hidden),
            cursor=cursor,
            limit=limit,
            hidden=hidden,
        )

    return _respond(request, authorization, required=False, build=build)


@router.get("/hashtag/{tag}", response_model=PostPage, openapi_extra=BEARER)
def hashtag(
    request: Request,
    tag: Annotated[str, Path(min_length=1, max_length=101)],
    authorization: Authorization = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Response:
    def build(platform: Platform, connection: Connection, viewer: int | None) -> dict[str, Any]:
        hidden = graph_service.hidden_user_ids(connection, viewer)
        return feed_service.ranked_page(
            platform,
            connection,
            feed="hashtag",
            viewer_id=viewer,
            fetch=feed_service.hashtag_fetcher(connection, tag, hidden),
            cursor=cursor,
            limit=limit,
            hidden=hidden,
        )

    return _respond(request, authorization, required=False, build=build)
