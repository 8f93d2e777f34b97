"""``/search?q=&type=users|posts|hashtags|videos``: through the active SearchBackend."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from socialflow.api.deps import OptionalUser, PageDep, PlatformDep, SessionDep
from socialflow.api.social_schemas import SearchPage
from socialflow.api.types import SafeText
from socialflow.services import search as search_service

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchPage)
def search(
    q: Annotated[SafeText, Query(min_length=1, max_length=200)],
    session: SessionDep,
    viewer: OptionalUser,
    page: PageDep,
    platform: PlatformDep,
    type: Annotated[Literal["users", "posts", "hashtags", "videos"], Query()] = "posts",
) -> SearchPage:
    result = search_service.search(
        platform, session, viewer=viewer, q=q, type_=type, limit=page.limit, cursor=page.cursor
    )
    return SearchPage(**result)
