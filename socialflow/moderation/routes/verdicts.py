"""``/admin/verdicts``: what the moderation models said, with model name and version.

Moderators see every stored verdict (allowed, held and rejected content
alike), newest first, to audit the models and find what they let through.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from socialflow.core.http.deps import PageDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.moderation.models import ModelVerdict
from socialflow.moderation.queue import serialize_verdict
from socialflow.moderation.routes.deps import ModeratorUser, next_cursor
from socialflow.moderation.schemas import VerdictOut, VerdictPage

router = APIRouter(prefix="/admin/verdicts", tags=["admin"])


@router.get("", response_model=VerdictPage, responses=problems(422))
def list_verdicts(
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageDep,
    target_type: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    author_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    verdict: Literal["allow", "hold", "reject"] | None = None,
    model: Annotated[str | None, Query(max_length=64)] = None,
) -> VerdictPage:
    """Model verdicts, newest first (``?target_type=&target_id=``, ``?author_id=``,
    ``?verdict=hold``, ``?model=``)."""
    statement = select(ModelVerdict)
    if target_type is not None:
        statement = statement.where(col(ModelVerdict.target_type) == target_type)
    if target_id is not None:
        statement = statement.where(col(ModelVerdict.target_id) == target_id)
    if author_id is not None:
        statement = statement.where(col(ModelVerdict.author_id) == author_id)
    if verdict is not None:
        statement = statement.where(col(ModelVerdict.verdict) == verdict)
    if model is not None:
        statement = statement.where(col(ModelVerdict.model) == model)
    before = page.id_cursor()
    if before is not None:
        statement = statement.where(col(ModelVerdict.id) < before)
    rows = session.execute(
        statement.order_by(col(ModelVerdict.id).desc()).limit(page.limit)
    ).scalars()
    items = [serialize_verdict(row) for row in rows]
    return VerdictPage(
        items=[VerdictOut(**i) for i in items], next_cursor=next_cursor(items, page.limit)
    )
