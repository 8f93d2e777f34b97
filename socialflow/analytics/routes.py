"""``/analytics``: a creator's own statistics, and the platform's for admins.

Creator routes answer for the caller only: there is no user in the path, and
a video that is not the caller's is a 404 (the same answer as a video that
does not exist), so no one reads another creator's numbers. Platform
statistics need the admin role.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from socialflow.accounts.deps import CurrentUser, require_role
from socialflow.accounts.models import Role
from socialflow.analytics import audience, live_stats, platform_stats, revenue, stats
from socialflow.analytics.moderation_stats import moderation_throughput
from socialflow.analytics.schemas import (
    ADMIN_STATS_EXAMPLE,
    PLATFORM_EXAMPLE,
    CreatorAudience,
    CreatorForecast,
    CreatorLive,
    CreatorOverview,
    CreatorRevenue,
    PlatformRevenue,
    VideoStats,
)
from socialflow.analytics.settings import analytics_settings
from socialflow.core.celery import DEFAULT_QUEUE, MEDIA_QUEUE
from socialflow.core.errors import NotFound, ValidationProblem
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.examples import json_example
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import ObjectKey
from socialflow.video.models import Video


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_query_only(request: Request, _user: CurrentUser) -> None:
    """Refuse query parameters a route does not take (a misspelt ``dayz=7`` would
    otherwise silently give the default period). After authentication: an
    anonymous caller hears 401, whatever the query."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _query_names(dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationProblem(
            f"Unknown query parameter: {', '.join(unknown)[:200]}.",
            errors=[
                {"field": name[:100], "message": "not a parameter of this route", "code": "unknown"}
                for name in unknown[:20]
            ],
        )


router = APIRouter(prefix="/analytics", tags=["analytics"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])
STRICT = [Depends(known_query_only)]
ADMIN = [require_role(Role.admin), *STRICT]
Days = Annotated[int, Query(ge=1, le=366, description="How many days, up to today (UTC).")]


@router.get("/creator/overview", response_model=CreatorOverview, dependencies=STRICT)
def creator_overview(session: SessionDep, user: CurrentUser, days: Days = 30) -> Any:
    """The caller's views, watch time, engagement and followers gained and lost per day,
    and their top videos, over the last ``days`` days."""
    assert user.id is not None
    return stats.creator_overview(session, creator_id=user.id, days=days)


@router.get("/creator/videos/{video_id}", response_model=VideoStats, dependencies=STRICT)
def creator_video(
    video_id: ObjectKey,
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
    days: Days = 30,
) -> Any:
    """One of the caller's videos: views and viewers per day, total and average watch
    time, the peak hour, the retention curve and traffic sources."""
    video = session.get(Video, video_id)
    if video is None or video.owner_id != user.id:
        raise NotFound("No such video among yours.", slug="video-not-found")
    bucket = analytics_settings(platform).retention_bucket_seconds
    return stats.video_stats(session, video=video, days=days, bucket_seconds=bucket)


@router.get("/creator/forecast", response_model=CreatorForecast, dependencies=STRICT)
def creator_forecast(
    session: SessionDep,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=90, description="Days to forecast, from today.")] = 30,
) -> Any:
    """The caller's expected views per day, with 80% intervals, from up to twelve
    weeks of their daily views."""
    assert user.id is not None
    return stats.creator_forecast(session, creator_id=user.id, days=days)


@router.get(
    "/creator/audience",
    response_model=CreatorAudience,
    dependencies=STRICT,
    responses=problems(422),
)
def creator_audience(session: SessionDep, user: CurrentUser, days: Days = 30) -> Any:
    """Where and on what the caller's videos were watched: new views by country and
    region (from a trusted proxy's header), device type, operating system and browser."""
    assert user.id is not None
    first, last, _start, _end = stats.period(days)
    found = audience.audience(session, creator_id=user.id, first=first, last=last)
    return {"from": first.isoformat(), "to": last.isoformat(), **found}


@router.get(
    "/creator/live", response_model=CreatorLive, dependencies=STRICT, responses=problems(422)
)
def creator_live(session: SessionDep, user: CurrentUser, days: Days = 30) -> Any:
    """The caller's live streams with an audience in the period: peak viewers and when,
    viewer connections, distinct viewers."""
    assert user.id is not None
    first, last, start, end = stats.period(days)
    found = live_stats.live_streams(session, creator_id=user.id, start=start, end=end)
    return {"from": first.isoformat(), "to": last.isoformat(), **found}


def _payments_on(platform: Any) -> None:
    """Revenue reads the payments app's ledger: 404 when that app is switched off."""
    if "payments" not in platform.plugins.app_names():
        raise NotFound("Payments are not enabled on this platform.", slug="payments-disabled")


@router.get(
    "/creator/revenue",
    response_model=CreatorRevenue,
    dependencies=STRICT,
    responses=problems(404, 422),
)
def creator_revenue(
    session: SessionDep, platform: PlatformDep, user: CurrentUser, days: Days = 30
) -> Any:
    """The caller's revenue per currency (minor units) by source and day, from the
    payments ledger; ARPU, subscribers gained and lost, churn (404 without payments)."""
    assert user.id is not None
    _payments_on(platform)
    first, last, start, end = stats.period(days)
    return revenue.creator_revenue(
        session, creator_id=user.id, first=first, last=last, start=start, end=end
    )


@router.get(
    "/platform/revenue",
    response_model=PlatformRevenue,
    dependencies=ADMIN,
    responses=problems(404, 422),
)
def platform_revenue(session: SessionDep, platform: PlatformDep, days: Days = 30) -> Any:
    """Creators' revenue across the platform per currency and source, the platform's
    fees and paying users (admins only; 404 without payments)."""
    _payments_on(platform)
    first, last, start, end = stats.period(days)
    return revenue.platform_revenue(session, first=first, last=last, start=start, end=end)


def _platform_doc(session: Any, platform: Any, days: int) -> dict[str, Any]:
    doc = platform_stats.platform_stats(session, days=days)
    doc["queue_backlog"] = platform_stats.queue_backlog(platform, (DEFAULT_QUEUE, MEDIA_QUEUE))
    return doc


@router.get(
    "/platform",
    deprecated=True,
    dependencies=ADMIN,
    responses={**json_example(PLATFORM_EXAMPLE, "The platform's statistics."), **problems(422)},
)
def platform_overview(session: SessionDep, platform: PlatformDep, days: Days = 30) -> Any:
    """Deprecated: use ``GET /api/v1/admin/stats``, which answers the same and adds
    moderation throughput. Active users (DAU/WAU/MAU), daily growth, watch hours,
    storage used and the task queues' backlog (admins only)."""
    return _platform_doc(session, platform, days)


@admin_router.get(
    "/stats",
    dependencies=ADMIN,
    responses={**json_example(ADMIN_STATS_EXAMPLE, "The platform's statistics."), **problems(422)},
)
def admin_stats(session: SessionDep, platform: PlatformDep, days: Days = 30) -> Any:
    """Active users (DAU/WAU/MAU), daily growth, watch hours, storage used, the task
    queues' backlog, and moderation throughput (reports opened and resolved per day,
    open cases, reports and appeals; null without the moderation app). Admins only."""
    doc = _platform_doc(session, platform, days)
    first, last, start, end = stats.period(days)
    doc["moderation"] = moderation_throughput(session, first=first, last=last, start=start, end=end)
    return doc
