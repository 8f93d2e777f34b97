"""Messages on a report: the reporter on their own report, moderators on a queue item.

The reporter's routes hang under ``/reports/{report_id}`` (anyone else's
report is 404); the moderators' under ``/admin/reports/{case_id}``, the queue
item, where they read the messages of all its reports and write to one.
Writing is rate limited like filing reports.
"""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.accounts.deps import CurrentUser
from socialflow.accounts.models import User
from socialflow.core.http.deps import PageDep, PlatformDep, RateLimiterDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.core.ratelimit import RateLimiter
from socialflow.moderation import messages as service
from socialflow.moderation.routes.deps import ModeratorUser, next_cursor
from socialflow.moderation.schemas import (
    CaseMessageCreate,
    CaseMessageOut,
    CaseMessagePage,
    MessageCreate,
    MessageOut,
    MessagePage,
)
from socialflow.moderation.settings import moderation_settings

router = APIRouter(prefix="/reports", tags=["reports"])
admin_router = APIRouter(prefix="/admin/reports", tags=["admin"])


def _limit(limiter: RateLimiter, platform: PlatformDep, user: User) -> None:
    rate = moderation_settings(platform).report_rate
    limiter.hit("moderation-report-message", rate, f"user:{user.id}")


@router.get("/{report_id}/messages", response_model=MessagePage, responses=problems(404))
def list_report_messages(
    report_id: DbId, session: SessionDep, user: CurrentUser, page: PageDep
) -> MessagePage:
    """The conversation on your report with the moderators, newest first."""
    rows = service.list_for_reporter(
        session, reporter=user, report_id=report_id, limit=page.limit, before=page.id_cursor()
    )
    items = [service.serialize(m, for_moderator=False) for m in rows]
    return MessagePage(
        items=[MessageOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.post(
    "/{report_id}/messages",
    response_model=MessageOut,
    status_code=201,
    responses=problems(404, 429),
)
def post_report_message(
    report_id: DbId,
    body: MessageCreate,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> MessageOut:
    """Write to the moderators about your report (they are told)."""
    _limit(limiter, platform, user)
    message = service.post_as_reporter(session, reporter=user, report_id=report_id, text=body.text)
    session.commit()
    return MessageOut(**service.serialize(message, for_moderator=False))


@admin_router.get("/{case_id}/messages", response_model=CaseMessagePage, responses=problems(404))
def list_case_messages(
    case_id: DbId, session: SessionDep, moderator: ModeratorUser, page: PageDep
) -> CaseMessagePage:
    """The messages on every report of the queue item, newest first."""
    rows = service.list_for_case(
        session, case_id=case_id, limit=page.limit, before=page.id_cursor()
    )
    items = [service.serialize(m, for_moderator=True) for m in rows]
    return CaseMessagePage(
        items=[CaseMessageOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@admin_router.post(
    "/{case_id}/messages",
    response_model=CaseMessageOut,
    status_code=201,
    responses=problems(404, 409, 429),
)
def post_case_message(
    case_id: DbId,
    body: CaseMessageCreate,
    session: SessionDep,
    moderator: ModeratorUser,
    platform: PlatformDep,
    limiter: RateLimiterDep,
) -> CaseMessageOut:
    """Write to the reporter of one of the item's reports (they are told, not who wrote)."""
    _limit(limiter, platform, moderator)
    message = service.post_as_moderator(
        session, moderator=moderator, case_id=case_id, report_id=body.report_id, text=body.text
    )
    session.commit()
    return CaseMessageOut(**service.serialize(message, for_moderator=True))
