"""``/live/streams/{id}/health`` and ``/latency``: the creator's view of their ingest.

Both are the stream owner's only: anyone else's stream is 404, like a
missing one. Health is read fresh on each request (the ingest rewrites it
every second while a broadcast is live), so a creator's page polls it.
"""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.accounts.deps import CurrentUser
from socialflow.core.http.deps import PlatformDep, SessionDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import DbId
from socialflow.live import stream_health
from socialflow.live.channels import streaming_provider
from socialflow.live.schemas_ingest import LatencyModeIn, StreamHealthOut

router = APIRouter(prefix="/live", tags=["live"])


@router.get(
    "/streams/{stream_id}/health",
    response_model=StreamHealthOut,
)
def read_stream_health(
    stream_id: DbId, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> StreamHealthOut:
    """Bitrate, frame rate, keyframe interval, resolution and transcoding speed of the
    owner's stream as the ingest measures it, and why it stopped a broadcast if it did."""
    return stream_health.stream_health(
        session, streaming_provider(platform), owner=user, stream_id=stream_id
    )


@router.put(
    "/streams/{stream_id}/latency",
    response_model=StreamHealthOut,
    responses=problems(409),
)
def set_latency_mode(
    stream_id: DbId,
    body: LatencyModeIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
) -> StreamHealthOut:
    """Choose ``standard`` or ``low`` latency (the owner's only); the next broadcast uses it."""
    provider = streaming_provider(platform)
    stream_health.set_latency_mode(
        session, provider, owner=user, stream_id=stream_id, mode=body.mode
    )
    session.commit()
    return stream_health.stream_health(session, provider, owner=user, stream_id=stream_id)
