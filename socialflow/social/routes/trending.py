"""``/trending/hashtags`` and ``/trending/posts`` over the last hour or day."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from socialflow.accounts.deps import OptionalUser
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.social import posts as post_service
from socialflow.social import trending as trending_service
from socialflow.social.schemas import TrendingPosts, TrendingTags

router = APIRouter(prefix="/trending", tags=["trending"])

Window = Annotated[Literal["1h", "24h"], Query()]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/hashtags", response_model=TrendingTags)
def hashtags(
    session: SessionDep, platform: PlatformDep, window: Window = "1h", limit: Limit = 10
) -> TrendingTags:
    rows = trending_service.top(
        session,
        kind="tag",
        window=window,
        limit=limit,
        bucket_seconds=platform.settings.trending_bucket_seconds,
    )
    return TrendingTags(window=window, items=[{"tag": k, "count": v} for k, v in rows])


@router.get("/posts", response_model=TrendingPosts)
def posts(
    session: SessionDep,
    viewer: OptionalUser,
    platform: PlatformDep,
    window: Window = "1h",
    limit: Limit = 10,
) -> JSONResponse:
    rows = trending_service.top(
        session,
        kind="post",
        window=window,
        limit=limit * 2,
        bucket_seconds=platform.settings.trending_bucket_seconds,
    )
    ids = [int(k) for k, _ in rows]
    loaded = post_service.load_rows(session, ids)
    viewer_id = viewer.id if viewer else None
    # Only posts anyone may see trend (public posts of public accounts); what the
    # viewer may not see (blocks, mutes) is left out.
    public = [r for r in loaded.values() if post_service.is_public(session, r)]
    kept = {r.id: r for r in post_service.visible_rows(session, viewer_id, public)}
    ordered = [kept[i] for i in ids if i in kept][:limit]
    items = post_service.serialize_many(session, viewer_id, ordered, platform=platform)
    return JSONResponse({"window": window, "items": items})
