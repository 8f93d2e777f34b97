"""``/feed/home``, ``/feed/explore``, ``/feed/hashtag/{tag}``: ranked, cursor-paged feeds.

These are the hottest routes. A request first looks in the feed cache
(``services.feed_cache``), without touching the database or leaving the
event loop: the body of the same page if a client polls, else the page's
skeleton (which posts, which of them the viewer liked, the next cursor)
filled with hydrated posts that other viewers' pages left in the cache.
Otherwise the page is built in one trip to the thread pool on one pooled
connection (SQLAlchemy Core, no ORM session), the caller checked by
:func:`check_holder` with the same rules as ``api.deps.get_optional_user``
(valid token, standing session, active account, current token version; see
``services.sessions``), and the body serialized once from plain dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from socialflow.accounts.deps import OptionalUser, get_access_claims
from socialflow.accounts.sessions import token_holder_is_valid
from socialflow.accounts.tokens import AccessClaims
from socialflow.core.errors import Unauthorized
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep, get_platform
from socialflow.core.http.openapi import OPTIONAL_BEARER, problems
from socialflow.core.http.route_marks import hot_read
from socialflow.core.http.types import Name, SafeText, query_int, query_text
from socialflow.core.platform import Platform
from socialflow.feeds import pages as feed_service
from socialflow.feeds.cache import FeedCache, FeedName, PageKey, PageSkeleton, TokenKey, ViewerFacts
from socialflow.feeds.generations import Generations, Stamp
from socialflow.feeds.hydration import cached_posts, hydrate
from socialflow.graph import relations as graph_service
from socialflow.social.schemas import PostPage

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
# explore and hashtag serve anonymous readers too (a token is optional).
PUBLIC_PAGE_OPENAPI: dict[str, Any] = {**PAGE_OPENAPI, "security": OPTIONAL_BEARER}
JSON_TYPE = "application/json"
# (platform, connection, viewer id, the viewer's facts) -> candidate source
FetcherFactory = Callable[[Platform, Connection, int | None, ViewerFacts], feed_service.Fetcher]


def page_params(request: Request) -> tuple[str | None, int]:
    """``cursor`` and ``limit`` from the query, by the rules of ``api.types``
    (the same problems FastAPI's parsing of those types would give)."""
    query = request.query_params
    cursor = query.get("cursor") or None
    if cursor is not None:
        cursor = query_text("cursor", cursor, max_length=MAX_CURSOR_LENGTH)
    raw = query.get("limit")
    if raw is None:
        return cursor, DEFAULT_LIMIT
    return cursor, query_int("limit", raw, minimum=1, maximum=MAX_LIMIT)


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


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _build_page(
    platform: Platform,
    claims: AccessClaims | None,
    holder_known: bool,
    key: PageKey,
    make_fetch: FetcherFactory,
    skeleton: PageSkeleton | None,
) -> tuple[bytes, PageSkeleton, Stamp]:
    """The page's body, from its cached ``skeleton`` (hydrating the posts the cache
    lacks) or chosen afresh; its skeleton; and, for a home page chosen afresh, the
    "authored" counters of the big accounts merged into it (read before their posts)."""
    authored: Stamp = ()
    with platform.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Reads (and the idempotent timeline rebuild) need no transaction:
            # autocommit saves the BEGIN and COMMIT round trips.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if claims is not None and not holder_known:
            check_holder(connection, claims)
        if skeleton is not None:
            posts = hydrate(platform, connection, skeleton.shown)
        else:
            viewer = claims.user_id if claims else None
            facts = feed_service.viewer_facts(platform, connection, viewer)
            if key.feed == "home":
                authored = platform.get(Generations).authored(facts.followed_big_accounts)
            skeleton, posts = feed_service.page_skeleton(
                platform,
                connection,
                feed=key.feed,
                viewer_id=viewer,
                fetch=make_fetch(platform, connection, viewer, facts),
                cursor=key.cursor,
                limit=key.limit,
                facts=facts,
            )
        connection.commit()
    return _encode(feed_service.page_body(skeleton, posts)), skeleton, authored


def _page_stamp(platform: Platform, key: PageKey, viewer_stamp: Stamp) -> Stamp | None:
    """The generations a cached page of ``key`` depends on, or None if unknown yet.

    Home pages also depend on the big accounts the viewer follows (merged at
    read time, not fanned out), known from the viewer's cached facts.
    """
    generations = platform.get(Generations)
    if key.feed != "home":
        return generations.stamp(key.viewer_id, public=True)
    facts = platform.get(FeedCache).viewers.get(key.viewer_id, viewer_stamp)
    if facts is None:
        return None
    return viewer_stamp + generations.authored(facts.followed_big_accounts)


def _assemble(platform: Platform, skeleton: PageSkeleton) -> bytes | None:
    """The page's body from its skeleton and cached posts, if all are cached."""
    posts = cached_posts(platform, skeleton.shown)
    if len(posts) < len(skeleton.shown):
        return None
    return _encode(feed_service.page_body(skeleton, posts))


async def _serve(
    request: Request,
    *,
    feed: FeedName,
    tag: str | None = None,
    make_fetch: FetcherFactory,
) -> Response:
    """The page from the feed cache if it is still good, else built (then cached).

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
    cache = platform.get(FeedCache)
    token_key = (
        TokenKey(claims.user_id, claims.session_id, claims.token_version) if claims else None
    )
    stamp = viewer_stamp = None
    holder_known = False
    skeleton = None
    if cache.pages.enabled:
        viewer_stamp = platform.get(Generations).stamp(viewer, public=False)
        holder_known = token_key is None or cache.tokens.get(token_key, viewer_stamp) is not None
        stamp = _page_stamp(platform, key, viewer_stamp)
        if holder_known and stamp is not None:
            cached = cache.pages.get(key, stamp)
            if cached is not None:
                platform.metrics.feed_cache_hits.inc()
                return await _with_inserts(request, platform, feed, viewer, cached)
            skeleton = cache.skeletons.get(key, stamp)
            cached = _assemble(platform, skeleton) if skeleton is not None else None
            if cached is not None:
                platform.metrics.feed_cache_assembled.inc()
                cache.pages.put(key, stamp, cached)
                return await _with_inserts(request, platform, feed, viewer, cached)
        platform.metrics.feed_cache_misses.inc()
    body, built, authored = await run_in_threadpool(
        _build_page, platform, claims, holder_known, key, make_fetch, skeleton
    )
    if viewer_stamp is not None:
        if token_key is not None:
            cache.tokens.put(token_key, viewer_stamp, True)
        if stamp is None:
            stamp = viewer_stamp + authored
        cache.skeletons.put(key, stamp, built)
        cache.pages.put(key, stamp, body)
    return await _with_inserts(request, platform, feed, viewer, body)


def _add_inserts(
    platform: Platform, feed: str, viewer: int, body: bytes, language: str | None
) -> bytes:
    page = json.loads(body)
    answers = platform.plugins.hook.socialflow_feed_inserts(
        feed=feed,
        viewer_id=viewer,
        items=page["items"],
        language=language,
        **platform.plugins.hook_context(),
    )
    inserts = [item for answer in answers for item in answer or []]
    page["inserts"] = sorted(inserts, key=lambda item: int(item["position"]))
    return _encode(page)


async def _with_inserts(
    request: Request, platform: Platform, feed: FeedName, viewer: int | None, body: bytes
) -> Response:
    """The page with plugins' items between its posts (``socialflow_feed_inserts``):
    signed-in home pages only, never cached (ads are chosen per read)."""
    hooked = platform.plugins.hook.socialflow_feed_inserts.get_hookimpls()
    if feed == "home" and viewer is not None and hooked:
        accepted = request.headers.get("accept-language", "")
        language = accepted.split(",")[0].split(";")[0].split("-")[0].strip().lower() or None
        body = await run_in_threadpool(_add_inserts, platform, feed, viewer, body, language)
    return Response(body, media_type=JSON_TYPE)


@router.get("/home", response_model=PostPage, openapi_extra=PAGE_OPENAPI, responses=problems(401))
@hot_read
async def home(request: Request) -> Response:
    """The caller's home feed: their timeline, big accounts merged in, ranked."""

    def make_fetch(
        platform: Platform, connection: Connection, viewer: int | None, facts: ViewerFacts
    ) -> feed_service.Fetcher:
        assert viewer is not None
        return feed_service.home_fetcher(platform, connection, viewer, facts)

    return await _serve(request, feed="home", make_fetch=make_fetch)


@router.get(
    "/explore", response_model=PostPage, openapi_extra=PUBLIC_PAGE_OPENAPI, responses=problems(401)
)
@hot_read
async def explore(request: Request) -> Response:
    """Every public post, ranked (anonymous readers welcome)."""

    def make_fetch(
        _platform: Platform, connection: Connection, _viewer: int | None, facts: ViewerFacts
    ) -> feed_service.Fetcher:
        return feed_service.explore_fetcher(connection, facts.hidden)

    return await _serve(request, feed="explore", make_fetch=make_fetch)


@router.get(
    "/hashtag/{tag}",
    response_model=PostPage,
    openapi_extra=PUBLIC_PAGE_OPENAPI,
    responses=problems(401),
)
async def hashtag(
    request: Request, tag: Annotated[SafeText, Path(min_length=1, max_length=101)]
) -> Response:
    """Public posts carrying ``#tag`` (with or without the ``#``), ranked."""

    def make_fetch(
        _platform: Platform, connection: Connection, _viewer: int | None, facts: ViewerFacts
    ) -> feed_service.Fetcher:
        return feed_service.hashtag_fetcher(connection, tag, facts.hidden)

    return await _serve(request, feed="hashtag", tag=tag, make_fetch=make_fetch)


# A profile's posts are a feed page (same skeleton, cache and hydration); the route
# keeps the posts tag.
profile_posts_router = APIRouter(tags=["posts"])


@profile_posts_router.get("/users/{username}/posts", response_model=PostPage)
def user_posts(
    username: Name, session: SessionDep, viewer: OptionalUser, page: PageDep, platform: PlatformDep
) -> JSONResponse:
    author = graph_service.get_visible_user(session, username=username, viewer=viewer)
    assert author.id is not None
    viewer_id = viewer.id if viewer else None
    if not graph_service.may_see_account(session, viewer_id, author):
        return JSONResponse({"items": [], "next_cursor": None})  # a private account
    skeleton, posts = feed_service.page_skeleton(
        platform,
        session,
        feed="profile",
        viewer_id=viewer_id,
        fetch=feed_service.profile_fetcher(session, author.id),
        cursor=page.cursor,
        limit=page.limit,
        # A muted account's own profile still shows its posts: blocks only.
        facts=replace(
            feed_service.viewer_facts(platform, session, viewer_id),
            hidden=frozenset(
                graph_service.hidden_user_ids(session, viewer_id, include_mutes=False)
            ),
        ),
        ranker_name="chronological",
    )
    return JSONResponse(feed_service.page_body(skeleton, posts))
