"""``/feed/home``, ``/feed/explore``, ``/feed/hashtag/{tag}``: ranked, cursor-paged feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from socialflow.api.deps import CurrentUser, OptionalUser, PlatformDep, SessionDep
from socialflow.api.social_schemas import PostPage
from socialflow.services import feeds as feed_service
from socialflow.services import graph as graph_service

router = APIRouter(prefix="/feed", tags=["feeds"])


class FeedPage:
    """``?cursor=&limit=``; feed cursors carry a few deferred ids, so they may be longer."""

    def __init__(
        self,
        cursor: Annotated[str | None, Query(max_length=1000)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.cursor = cursor
        self.limit = limit


FeedPageDep = Annotated[FeedPage, Depends()]


@router.get("/home", response_model=PostPage)
def home(
    session: SessionDep, user: CurrentUser, page: FeedPageDep, platform: PlatformDep
) -> JSONResponse:
    assert user.id is not None
    fetch = feed_service.home_fetcher(platform, session, user.id)
    body = feed_service.ranked_page(
        platform,
        session,
        feed="home",
        viewer_id=user.id,
        fetch=fetch,
        cursor=page.cursor,
        limit=page.limit,
    )
    return JSONResponse(body)


@router.get("/explore", response_model=PostPage)
def explore(
    session: SessionDep, viewer: OptionalUser, page: FeedPageDep, platform: PlatformDep
) -> JSONResponse:
    viewer_id = viewer.id if viewer else None
    hidden = graph_service.hidden_user_ids(session, viewer_id)
    body = feed_service.ranked_page(
        platform,
        session,
        feed="explore",
        viewer_id=viewer_id,
        fetch=feed_service.explore_fetcher(session, hidden),
        cursor=page.cursor,
        limit=page.limit,
        hidden=hidden,
    )
    return JSONResponse(body)


@router.get("/hashtag/{tag}", response_model=PostPage)
def hashtag(
    tag: Annotated[str, Path(min_length=1, max_length=101)],
    session: SessionDep,
    viewer: OptionalUser,
    page: FeedPageDep,
    platform: PlatformDep,
) -> JSONResponse:
    viewer_id = viewer.id if viewer else None
    hidden = graph_service.hidden_user_ids(session, viewer_id)
    body = feed_service.ranked_page(
        platform,
        session,
        feed="hashtag",
        viewer_id=viewer_id,
        fetch=feed_service.hashtag_fetcher(session, tag, hidden),
        cursor=page.cursor,
        limit=page.limit,
        hidden=hidden,
    )
    return JSONResponse(body)
