"""``/live/videos/{video_id}/chat``: a recorded broadcast's chat, with offsets into the video.

The video's own rule decides who may read it (the owner; others as they may
see the video: its visibility, subscribers included, blocks, private
accounts); anyone else gets 404 as for a video that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from socialflow.accounts.deps import OptionalUser
from socialflow.core.db.base import iso_or_none
from socialflow.core.errors import ValidationProblem
from socialflow.core.http.deps import SessionDep
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId, ObjectKey
from socialflow.live import replay
from socialflow.live.routes_chat import ChatUser
from socialflow.video.videos import get_visible_video

router = APIRouter(prefix="/live/videos/{video_id}/chat", tags=["live"])
MAX_SECONDS = 7 * 24 * 3600.0


class ReplayMessageOut(BaseModel):
    model_config = examples(
        {
            "id": 9051,
            "user": example_of(ChatUser),
            "text": "That drop was huge!",
            "offset": 754.25,
            "created_at": "2026-12-07T18:05:12+00:00",
        }
    )

    id: int
    user: ChatUser
    text: str
    offset: float
    created_at: str | None


class ReplayPage(BaseModel):
    model_config = examples(
        {"items": [example_of(ReplayMessageOut)], "next_cursor": "9051"},
        {"items": [], "next_cursor": None},
    )

    items: list[ReplayMessageOut]
    next_cursor: str | None


@router.get(
    "",
    response_model=ReplayPage,
    responses=problems(404, 422),
)
def read_replay_chat(
    video_id: ObjectKey,
    session: SessionDep,
    viewer: OptionalUser,
    start: Annotated[
        float,
        Query(alias="from", ge=0, le=MAX_SECONDS, description="Seconds into the video."),
    ] = 0,
    end: Annotated[
        float | None,
        Query(
            alias="to",
            ge=0,
            le=MAX_SECONDS,
            description="Up to (not including); left out: the end.",
        ),
    ] = None,
    cursor: Annotated[DbId | None, Query(description="The previous page's next_cursor.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> ReplayPage:
    """The chat written while the video was live, oldest first, each with its offset."""
    if end is not None and end <= start:
        raise ValidationProblem(
            "to must be after from.",
            errors=[{"field": "to", "message": "not after from", "code": "invalid"}],
        )
    get_visible_video(session=session, video_id=video_id, viewer=viewer)
    broadcast = replay.broadcast_of(session, video_id)
    found = replay.window(session, broadcast, start=start, end=end, after=cursor, limit=limit)
    items = [
        ReplayMessageOut(
            id=r.message.id or 0,
            user=ChatUser(
                id=r.author.id or 0,
                username=r.author.username,
                display_name=r.author.display_name,
            ),
            text=r.message.text,
            offset=r.offset,
            created_at=iso_or_none(r.message.created_at),
        )
        for r in found
    ]
    more = len(found) == limit
    return ReplayPage(items=items, next_cursor=str(items[-1].id) if more else None)
