"""``/admin/actions``, ``/admin/appeals``, ``/admin/content`` (moderators).

Taking an action, undoing one and deciding an appeal commit here; each is
audited and effective at once (its events move the feed caches everywhere).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from socialflow.core.http.deps import PageDep, PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId, Name
from socialflow.moderation import appeals as appeal_service
from socialflow.moderation.actions import load_target, revert_action, take_action
from socialflow.moderation.cases import open_case_of
from socialflow.moderation.models import ActionKind, ModerationAction
from socialflow.moderation.queue import serialize_action
from socialflow.moderation.routes.deps import ModeratorUser, next_cursor
from socialflow.moderation.schemas import (
    ActionCreate,
    ActionOut,
    ActionPage,
    AppealDecision,
    AppealOut,
    AppealPage,
    ContentOut,
    RevertCreate,
)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/actions", response_model=ActionOut, status_code=201, responses=problems(404, 409))
def create_action(
    body: ActionCreate, session: SessionDep, platform: PlatformDep, moderator: ModeratorUser
) -> ActionOut:
    """Hide, remove, warn, suspend, ban (admins) or dismiss; closes the target's open reports."""
    action = take_action(
        session,
        platform,
        moderator=moderator,
        target_type=body.target_type,
        target_id=body.target_id,
        kind=ActionKind(body.kind),
        reason=body.reason,
        duration_hours=body.duration_hours,
    )
    session.commit()
    return ActionOut(**serialize_action(action))


@router.post(
    "/actions/{action_id}/revert",
    response_model=ActionOut,
    status_code=201,
    responses=problems(409),
)
def revert(
    action_id: DbId,
    body: RevertCreate,
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
) -> ActionOut:
    """Undo a hide or removal (restore) or a suspension or ban (reinstate)."""
    action = revert_action(
        session, platform, moderator=moderator, action_id=action_id, reason=body.reason
    )
    session.commit()
    return ActionOut(**serialize_action(action))


@router.get("/actions", response_model=ActionPage)
def list_actions(
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageDep,
    author_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    moderator_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    kind: ActionKind | None = None,
) -> ActionPage:
    statement = select(ModerationAction)
    if author_id is not None:
        statement = statement.where(col(ModerationAction.author_id) == author_id)
    if moderator_id is not None:
        statement = statement.where(col(ModerationAction.moderator_id) == moderator_id)
    if kind is not None:
        statement = statement.where(col(ModerationAction.kind) == kind.value)
    before = page.id_cursor()
    if before is not None:
        statement = statement.where(col(ModerationAction.id) < before)
    rows = session.execute(
        statement.order_by(col(ModerationAction.id).desc()).limit(page.limit)
    ).scalars()
    items = [serialize_action(a) for a in rows]
    return ActionPage(
        items=[ActionOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.get("/appeals", response_model=AppealPage)
def list_appeals(
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageDep,
    status: Literal["open", "upheld", "overturned"] | None = "open",
) -> AppealPage:
    rows = appeal_service.list_appeals(
        session, status=status, limit=page.limit, before=page.id_cursor()
    )
    items = [appeal_service.serialize(a) for a in rows]
    return AppealPage(
        items=[AppealOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )


@router.post("/appeals/{appeal_id}/decision", response_model=AppealOut, responses=problems(409))
def decide_appeal(
    appeal_id: DbId,
    body: AppealDecision,
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
) -> AppealOut:
    """Uphold or overturn (undo the action); not by the moderator who took it."""
    appeal = appeal_service.decide(
        session,
        platform,
        moderator=moderator,
        appeal_id=appeal_id,
        outcome=body.outcome,
        note=body.note,
    )
    session.commit()
    return AppealOut(**appeal_service.serialize(appeal))


@router.get("/content/{target_type}/{target_id}", response_model=ContentOut)
def lookup_content(
    target_type: Name,
    target_id: Name,
    session: SessionDep,
    platform: PlatformDep,
    moderator: ModeratorUser,
) -> ContentOut:
    """Any object as moderators see it (hidden or removed too), with its actions."""
    target = load_target(platform, session, target_type, target_id[:64])
    actions = session.execute(
        select(ModerationAction)
        .where(
            col(ModerationAction.target_type) == target.kind,
            col(ModerationAction.target_id) == target.id,
        )
        .order_by(col(ModerationAction.id).desc())
    ).scalars()
    case = open_case_of(session, target.kind, target.id)
    return ContentOut(
        target_type=target.kind,
        target_id=target.id,
        author_id=target.author_id,
        content=target.summary,
        actions=[ActionOut(**serialize_action(a)) for a in actions],
        open_case_id=case.id if case is not None else None,
    )
