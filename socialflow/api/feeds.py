"""``/feed/home``, ``/feed/explore``, ``/feed/hashtag/{tag}``: ranked, cursor-paged feeds.

These are the hottest routes. A request first looks in the feed cache
(``services.feed_cache``): with the viewer's generations unchanged, the body
of the same page is sent again without touching the database or leaving the
event loop (one Redis ``MGET`` when Redis is configured). Otherwise the page
is built in one trip to the thread pool on one pooled connection (SQLAlchemy
Core, no ORM session), the caller checked by :func:`viewer_id` with the same
rules as ``api.deps.get_optional_user`` (valid token, standing session,
active account, current token version; see ``services.sessions``), and the
body serialized once from plain dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from socialflow.api.deps import get_access_claims, get_platform
from socialflow.api.social_schemas import PostPage
from socialflow.errors import Unauthorized, ValidationProblem
from socialflow.platform import Platform
from socialflow.services import feeds as feed_service
from socialflow.services.feed_cache import FeedName, PageKey, TokenKey
from socialflow.services.sessions import token_holder_is_valid
from socialflow.services.tokens import AccessClaims

router = APIRouter(prefix="/feed", tags=["feeds"])

MAX_CURSOR_LENGTH = 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# The query is parsed by hand (page_params) rather than by FastAPI's
# parameter machinery, which cost a fifth of a cached page's time; the
# OpenAPI document still describes it.
PAGE_OPENAPI: dict[str, Any] = {
    "security": [{"HTTPBearer": []}],
    "parameters": [
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "description": "next_cursor of the previous page",
            "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
            },
        },
    ],
}
JSON_TYPE = "application/json"
# (platform, connection, viewer id, accounts hidden from the viewer) -> candidate source
FetcherFactory = Callable[[Platform, Connection, int | None, set[int]], feed_service.Fetcher]


def _invalid(field: str, message: str, code: str) -> ValidationProblem:
    return ValidationProblem(
        f"{field}: {message}",
        errors=[{"field": field, "location": "query", "message": message, "code": code}],
    )


def page_params(request: Request) -> tuple[str | None, int]:
    """``cursor`` and ``limit`` from the query, with the errors FastAPI would give."""
    query = request.query_params
    cursor = query.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid("cursor", f"at most {MAX_CURSOR_LENGTH} characters", "string_too_long")
    raw = query.get("limit")
    if raw is None:
        return cursor, DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise _invalid("limit", "must be an integer", "int_parsing") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid("limit", f"must be between 1 and {MAX_LIMIT}", "out_of_range")
    return cursor, limit


def access_claims(platform: Platform, authorization: str | None) -> AccessClaims | None:
    """The bearer token's claims (None without a token); a bad token is a 401."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
    return get_access_claims(platform, credentials)


def check_holder(connection: Connection, claims: AccessClaims) -> None:
    """401 unless the token's session stands and the account is active at its version."""
    if not token_holder_is_valid(
        connection,
        user_id=claims.user_id,
        session_id=claims.session_id,
        token_version=claims.token_version,
    ):
        raise Unauthorized("The access token is no longer valid.", slug="invalid-token")


def _build_page(
    platform: Platform,
    claims: AccessClaims | None,
    holder_known: bool,
    key: PageKey,
    make_fetch: FetcherFactory,
) -> bytes:
    with platform.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Reads (and the idempotent timeline rebuild) need no transaction:
            # autocommit saves the BEGIN and COMMIT round trips.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if claims is not None and not holder_known:
            check_holder(connection, claims)
        viewer = claims.user_id if claims else None
        hidden = set(feed_service.viewer_facts(platform, connection, viewer).hidden)
        body = feed_service.ranked_page(
            platform,
            connection,
            feed=key.feed,
            viewer_id=viewer,
            fetch=make_fetch(platform, connection, viewer, hidden),
            cursor=key.cursor,
            limit=key.limit,
            hidden=hidden,
        )
        connection.commit()
    return json.dumps(body, separators=(",", ":")).encode()


async def _serve(
    request: Request,
    *,
    feed: FeedName,
    tag: str | None = None,
    make_fetch: FetcherFactory,
) -> Response:
    """The cached body of this page if still good, else a freshly built one (then cached).

    ``make_fetch`` gives the page's source of candidates. Only the home feed
    needs a caller; the others serve anonymous readers too.
    """
    platform = get_platform(request)
    cursor, limit = page_params(request)
    claims = access_claims(platform, request.headers.get("authorization"))
    if claims is None and feed == "home":
        raise Unauthorized()
    viewer = claims.user_id if claims else None
    key = PageKey(feed, platform.settings.ranker, viewer, tag, cursor, limit)
    cache = platform.feed_cache
    token_key = (
        TokenKey(claims.user_id, claims.session_id, claims.token_version) if claims else None
    )
    stamp = None
    holder_known = False
    if cache.pages.enabled:
        stamp = platform.generations.stamp(viewer, public=key.feed != "home")
        holder_known = token_key is None or cache.tokens.get(token_key, stamp) is not None
        body = cache.pages.get(key, stamp) if holder_known else None
        if body is not None:
            platform.metrics.feed_cache_hits.inc()
            return Response(body, media_type=JSON_TYPE)
        platform.metrics.feed_cache_misses.inc()
    body = await run_in_threadpool(_build_page, platform, claims, holder_known, key, make_fetch)
    if stamp is not None:
        if token_key is not None:
            cache.tokens.put(token_key, stamp, True)
        cache.pages.put(key, stamp, body)
    return Response(body, media_type=JSON_TYPE)


@router.get("/home", response_model=PostPage, openapi_extra=PAGE_OPENAPI)
async def home(request: Request) -> Response:
    """The caller's home feed: their timeline, big accounts merged in, ranked."""

    def make_fetch(
        platform: Platform, connection: Connection, viewer: int | None, _hidden: set[int]
    ) -> feed_service.Fetcher:
        assert viewer is not None
        return feed_service.home_fetcher(platform, connection, viewer)

    return await _serve(request, feed="home", make_fetch=make_fetch)


@router.get("/explore", response_model=PostPage, openapi_extra=PAGE_OPENAPI)
async def explore(request: Request) -> Response:
    """Every public post, ranked (anonymous readers welcome)."""

    def make_fetch(
        _platform: Platform, connection: Connection, _viewer: int | None, hidden: set[int]
    ) -> feed_service.Fetcher:
        return feed_service.explore_fetcher(connection, hidden)

    return await _serve(request, feed="explore", make_fetch=make_fetch)


@router.get("/hashtag/{tag}", response_model=PostPage, openapi_extra=PAGE_OPENAPI)
async def hashtag(
    request: Request, tag: Annotated[str, Path(min_length=1, max_length=101)]
) -> Response:
    """Public posts carrying ``#tag`` (with or without the ``#``), ranked."""

    def make_fetch(
        _platform: Platform, connection: Connection, _viewer: int | None, hidden: set[int]
    ) -> feed_service.Fetcher:
        return feed_service.hashtag_fetcher(connection, tag, hidden)

    return await _serve(request, feed="hashtag", tag=tag, make_fetch=make_fetch)
