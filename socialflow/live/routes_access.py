"""Who may watch a stream: the owner keeps it to an audience or deletes it.

Players of viewers who lost access are told at once (``revoked`` on
``live:<id>``, :mod:`socialflow.live.access`). Anyone but the owner gets 404
as for a stream that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from socialflow.accounts.deps import CurrentUser
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.examples import examples
from socialflow.core.http.openapi import problems
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId
from socialflow.live import access, streams
from socialflow.live.channels import streaming_provider

router = APIRouter(prefix="/live/streams/{stream_id}", tags=["live"])


class VisibilityIn(StrictModel):
    model_config = examples({"visibility": "subscribers"}, {"visibility": "public"})

    visibility: str = Field(
        min_length=1,
        max_length=32,
        description="public, or an audience of the platform (subscribers: the payments app).",
    )


class VisibilityOut(BaseModel):
    model_config = examples({"stream_id": 318, "visibility": "subscribers"})

    stream_id: int
    visibility: str


@router.put("/visibility", response_model=VisibilityOut, responses=problems(422))
def set_stream_visibility(
    stream_id: DbId,
    body: VisibilityIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> VisibilityOut:
    """Who may watch; its next recordings get the same visibility."""
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    access.set_visibility(session, stream=stream, visibility=body.visibility)
    session.commit()
    access.recheck(platform, stream_id)
    return VisibilityOut(stream_id=stream_id, visibility=stream.visibility)


@router.delete("", status_code=204, response_class=Response)
def delete_stream(
    stream_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> Response:
    """Delete the stream with its chat; its recordings stay as videos."""
    stream = streams.get_own_stream(session, owner=user, stream_id=stream_id)
    access.delete_stream(session, streaming_provider(platform), stream=stream)
    session.commit()
    access.recheck(platform, stream_id)
    return Response(status_code=204)
