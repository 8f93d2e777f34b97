"""``/recommendations``: for you, who to follow, more like this, feedback, viral posts.

Every answer passes the feeds' visibility gate (:mod:`serving`); a post the
caller may not see is a 404 (never a 403: no existence leak). Viral
predictions for all recent posts need the admin role; the explanation of one
post is for whoever may see it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from socialflow.accounts import avatars
from socialflow.accounts.deps import CurrentUser, OptionalUser, require_role
from socialflow.accounts.models import Role
from socialflow.accounts.schemas import UserPublic
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.plugins.session import counters_of
from socialflow.recommendations import logbook, serving, viral
from socialflow.recommendations.models import SHOWN
from socialflow.recommendations.models_registry import models
from socialflow.recommendations.schemas import (
    FeedbackIn,
    FeedbackOut,
    RecommendedPosts,
    RecommendedUsers,
    ViralList,
    ViralPost,
)
from socialflow.recommendations.settings import recommendation_settings
from socialflow.social.posts import get_visible_post

router = APIRouter(prefix="/recommendations", tags=["recommendations"])
Limit = Annotated[int, Query(ge=1, le=50, description="How many to return.")]


def _log_shown(
    platform: PlatformDep,
    viewer_id: int | None,
    surface: str,
    source: str,
    items: list[dict[str, Any]],
) -> None:
    platform.get(logbook.LogBuffer).add(
        logbook.row(
            SHOWN,
            int(item["id"]),
            user_id=viewer_id,
            surface=surface,
            position=i,
            ranker=source,
        )
        for i, item in enumerate(items)
    )


@router.get("/videos", response_model=RecommendedPosts, responses=problems(401))
def for_you(
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
    limit: Limit = 20,
    videos_only: Annotated[bool, Query(description="Only posts carrying a video.")] = False,
) -> RecommendedPosts:
    """ "For you": posts the caller has not engaged with yet, chosen for them."""
    assert user.id is not None
    items, source = serving.for_you(platform, session, user.id, limit, videos_only=videos_only)
    _log_shown(platform, user.id, "for_you", source, items)
    return RecommendedPosts.model_validate({"items": items, "source": source})


@router.get("/users", response_model=RecommendedUsers, responses=problems(401))
def who_to_follow(
    session: SessionDep, platform: PlatformDep, user: CurrentUser, limit: Limit = 10
) -> RecommendedUsers:
    """Accounts the caller may want to follow (never one they follow or that is hidden)."""
    assert user.id is not None
    users, source = serving.who_to_follow(platform, session, user.id, limit)
    counters = counters_of(session, "user", [u.id for u in users])
    items = [
        UserPublic.of(
            u, avatar_url=avatars.avatar_url(platform.storage, u), counters=counters.get(u.id)
        )
        for u in users
    ]
    return RecommendedUsers(items=items, source=source)


@router.get(
    "/posts/{post_id}/similar", response_model=RecommendedPosts, responses=problems(401, 404)
)
def more_like_this(
    post_id: DbId,
    session: SessionDep,
    platform: PlatformDep,
    viewer: OptionalUser,
    limit: Limit = 10,
) -> RecommendedPosts:
    """ "More like this": posts close to one the caller may see."""
    get_visible_post(session, viewer=viewer, post_id=post_id)
    viewer_id = viewer.id if viewer else None
    items, source = serving.similar(platform, session, viewer_id, post_id, limit)
    _log_shown(platform, viewer_id, "similar", source, items)
    return RecommendedPosts.model_validate({"items": items, "source": source})


@router.post("/feedback", response_model=FeedbackOut, responses=problems(401))
def feedback(
    body: FeedbackIn, session: SessionDep, platform: PlatformDep, user: CurrentUser
) -> FeedbackOut:
    """Record what the caller did with posts shown to them: watched (and how much) or
    skipped. Items about posts the caller may not see are ignored."""
    assert user.id is not None
    posts = serving.visible_posts(platform, session, user.id, [i.post_id for i in body.items])
    rows = [
        logbook.row(
            item.kind,
            item.post_id,
            user_id=user.id,
            author_id=posts[item.post_id].row.author_id,
            surface=item.surface,
            watch_ratio=item.watch_ratio,
        )
        for item in body.items
        if item.post_id in posts
    ]
    logbook.write(session, rows)
    session.commit()
    return FeedbackOut(recorded=len(rows))


def _predictions(
    platform: PlatformDep, session: SessionDep, post_ids: list[int]
) -> list[ViralPost]:
    config = recommendation_settings(platform)
    model = models(platform).viral
    rows = viral.early_features(session, post_ids, config.viral_hours)
    ids = [i for i in post_ids if i in rows]
    probabilities, source = viral.predict(model, [rows[i] for i in ids], config.viral_hours)
    return [
        ViralPost.model_validate(
            {
                "post_id": i,
                "probability": round(p, 4),
                "viral": p >= config.viral_threshold,
                "source": source,
                "reasons": viral.explain(model, rows[i], source),
            }
        )
        for i, p in zip(ids, probabilities, strict=True)
    ]


@router.get(
    "/viral",
    response_model=ViralList,
    responses=problems(401, 403),
    dependencies=[require_role(Role.admin)],  # type: ignore[list-item]
)
def viral_posts(session: SessionDep, platform: PlatformDep, limit: Limit = 20) -> ViralList:
    """Admins: posts of the last 24 hours most likely to trend, flagged above the threshold."""
    now = datetime.now(UTC)
    ids = viral.post_ids_between(session, now - timedelta(hours=24), now + timedelta(seconds=1))
    found = sorted(_predictions(platform, session, ids), key=lambda v: (-v.probability, v.post_id))
    return ViralList(items=found[:limit])


@router.get("/posts/{post_id}/why-trending", response_model=ViralPost, responses=problems(401, 404))
def why_trending(
    post_id: DbId, session: SessionDep, platform: PlatformDep, viewer: OptionalUser
) -> ViralPost:
    """Why a post is (or is not) predicted to trend: the early signals behind it."""
    get_visible_post(session, viewer=viewer, post_id=post_id)
    return _predictions(platform, session, [post_id])[0]
