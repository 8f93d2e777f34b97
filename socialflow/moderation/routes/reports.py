"""The user side: file reports and read their outcome, see actions against you, appeal.

Each list holds the caller's own rows only (another user's report, action or
appeal is a 404).
"""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.accounts.deps import CurrentUser
from socialflow.core.http.deps import PageDep, PlatformDep, RateLimiterDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.moderation import appeals as appeal_service
from socialflow.moderation import reports as report_service
from socialflow.moderation.actions import actions_against
from socialflow.moderation.models import ModerationAction
from socialflow.moderation.queue import serialize_action, serialize_report
from socialflow.moderation.routes.deps import next_cursor
from socialflow.moderation.schemas import (
    ActionOut,
    ActionPage,
    AppealCreate,
    AppealOut,
    AppealPage,
    ReportCreate,
    ReportOut,
    ReportPage,
)
from socialflow.moderation.settings import moderation_settings

router = APIRouter(prefix="/reports", tags=["reports"])
actions_router = APIRouter(prefix="/moderation/actions", tags=["moderation"])
appeals_router = APIRouter(prefix="/appeals", tags=["appeals"])


@router.post("", response_model=ReportOut, status_code=201, responses=problems(404))
def create_report(
    body: ReportCreate,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> ReportOut:
    """Report a post, comment, video or profile you can see (duplicates merge)."""
    limiter.hit("moderation-report", moderation_settings(platform).report_rate, f"user:{user.id}")
    report = report_service.file_report(
        session,
        platform,
        reporter=user,
        target_type=body.target_type,
        target_id=body.target_id,
        reason=body.reason,
        text=body.text,
    )
    session.commit()
    return ReportOut(**serialize_report(report))


@router.get("", response_model=ReportPage)
def list_my_reports(session: SessionDep, user: CurrentUser, page: PageDep) -> ReportPage:
    rows, _ = report_service.list_mine(
        session, reporter=user, limit=page.limit, before=page.id_cursor()
    )
    items = [serialize_report(r) for r in rows]
    return ReportPage(
        items=[ReportOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.get("/{report_id}", response_model=ReportOut)
def read_my_report(report_id: DbId, session: SessionDep, user: CurrentUser) -> ReportOut:
    report = report_service.get_mine(session, reporter=user, report_id=report_id)
    return ReportOut(**serialize_report(report))


@actions_router.get("", response_model=ActionPage)
def list_actions_against_me(session: SessionDep, user: CurrentUser, page: PageDep) -> ActionPage:
    """Moderation actions taken against the caller's content or account (their notices)."""
    assert user.id is not None
    rows = actions_against(session, author_id=user.id, limit=page.limit, before=page.id_cursor())
    items = [serialize_action(a) for a in rows]
    return ActionPage(
        items=[ActionOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@actions_router.get("/{action_id}", response_model=ActionOut)
def read_action_against_me(action_id: DbId, session: SessionDep, user: CurrentUser) -> ActionOut:
    action = session.get(ModerationAction, action_id)
    if action is None or action.author_id != user.id:
        from socialflow.core.errors import NotFound

        raise NotFound("No such action.")
    return ActionOut(**serialize_action(action))


@appeals_router.post("", response_model=AppealOut, status_code=201, responses=problems(404, 409))
def create_appeal(
    body: AppealCreate, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> AppealOut:
    """Appeal an action taken against you, once."""
    appeal = appeal_service.file_appeal(
        session, platform, appellant=user, action_id=body.action_id, text=body.text
    )
    session.commit()
    return AppealOut(**appeal_service.serialize(appeal))


@appeals_router.get("", response_model=AppealPage)
def list_my_appeals(session: SessionDep, user: CurrentUser, page: PageDep) -> AppealPage:
    rows = appeal_service.list_appeals(
        session, appellant_id=user.id, limit=page.limit, before=page.id_cursor()
    )
    items = [appeal_service.serialize(a) for a in rows]
    return AppealPage(
        items=[AppealOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@appeals_router.get("/{appeal_id}", response_model=AppealOut)
def read_my_appeal(appeal_id: DbId, session: SessionDep, user: CurrentUser) -> AppealOut:
    appeal = appeal_service.get_mine(session, appellant=user, appeal_id=appeal_id)
    return AppealOut(**appeal_service.serialize(appeal))
