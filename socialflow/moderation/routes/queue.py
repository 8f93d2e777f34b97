"""``/admin/reports``: the review queue (moderators): ranked cases, claims, context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from socialflow.core.db.base import utcnow
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.moderation import queue
from socialflow.moderation.actions import strike_counts
from socialflow.moderation.models import ModerationCase
from socialflow.moderation.routes.deps import ModeratorUser
from socialflow.moderation.schemas import CaseContext, CaseOut, CasePage

router = APIRouter(prefix="/admin/reports", tags=["admin"])


@router.get("", response_model=CasePage)
def list_queue(
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unclaimed: bool = False,
) -> CasePage:
    """Open reports grouped per target, highest priority first (``offset`` pages)."""
    items = queue.ranked(session, platform, offset=offset, limit=limit, unclaimed=unclaimed)
    more = str(offset + limit) if len(items) == limit else None
    return CasePage(items=[CaseOut(**i) for i in items], next_cursor=more)


@router.get("/{case_id}", response_model=CaseContext)
def read_queue_item(
    case_id: DbId, session: SessionDep, platform: PlatformDep, moderator: ModeratorUser
) -> CaseContext:
    """The item with its content, its reports and the author's history."""
    return CaseContext.model_validate(queue.context(session, platform, case_id=case_id))


def _case_out(session: SessionDep, case: ModerationCase) -> CaseOut:
    from socialflow.accounts.models import User

    author = session.get(User, case.author_id)
    strikes = strike_counts(session, [case.author_id]).get(case.author_id, 0)
    return CaseOut(**queue.serialize_case(case, author=author, strikes=strikes, now=utcnow()))


@router.post("/{case_id}/claim", response_model=CaseOut, responses=problems(409))
def claim_queue_item(
    case_id: DbId, session: SessionDep, platform: PlatformDep, moderator: ModeratorUser
) -> CaseOut:
    """Take the item for review (a lease; claiming again renews it). 409 if taken."""
    case = queue.claim(session, platform, moderator=moderator, case_id=case_id)
    session.commit()
    return _case_out(session, case)


@router.post("/{case_id}/release", response_model=CaseOut, responses=problems(409))
def release_queue_item(case_id: DbId, session: SessionDep, moderator: ModeratorUser) -> CaseOut:
    case = queue.release(session, moderator=moderator, case_id=case_id)
    session.commit()
    return _case_out(session, case)
