"""``/search?q=&type=users|posts|hashtags|videos``: through the active SearchBackend."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from socialflow.accounts.deps import OptionalUser
from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.examples import examples
from socialflow.core.http.types import SafeText
from socialflow.search import service as search_service


class SearchPage(BaseModel):
    model_config = examples(
        {
            "items": [
                {
                    "id": 42,
                    "username": "alice",
                    "display_name": "Alice",
                    "bio": "Filming bikes and mountains.",
                    "avatar_url": None,
                    "follower_count": 1200,
                    "following_count": 180,
                    "is_following": False,
                    "is_private": False,
                    "highlight": "<mark>alice</mark> Alice Filming bikes and mountains.",
                }
            ],
            "next_cursor": None,
        },
        {
            "items": [
                {"tag": "mtb", "highlight": "<mark>mtb</mark>"},
                {"tag": "mtbike", "highlight": None},
            ],
            "next_cursor": "eyJvZmZzZXQiOjJ9",
        },
    )

    items: list[dict[str, object]] = Field(
        description="Users, posts, hashtags or videos in their public shape, best first "
        "(text relevance, then engagement and recency for posts). Each carries "
        "``highlight``: an excerpt of the matched text with ``<mark>...</mark>`` around "
        "the matched terms and everything else HTML-escaped (safe to show as HTML), "
        "or null when the match was not on words (a username prefix, a fuzzy match)."
    )
    next_cursor: str | None


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
