"""Request and response bodies of ``/live``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialflow.core.http.schemas import StrictModel


class StreamCreate(StrictModel):
    title: str = Field(min_length=1, max_length=200)
    replay: bool = Field(default=True, description="Keep each broadcast as an on-demand video.")
    permanent: bool = Field(
        default=False,
        description="Reusable for many broadcasts (like a channel); a one-off stream ends "
        "when its first broadcast does.",
    )
    scheduled_at: datetime | None = Field(
        default=None, description="When the creator plans to start (shown to viewers)."
    )


class StreamOwner(BaseModel):
    id: int
    username: str
    display_name: str | None


class StreamOut(BaseModel):
    """A live stream as anyone who may see it gets it (never the key)."""

    id: int
    owner: StreamOwner
    title: str
    status: str = Field(description="idle | live | ended")
    replay: bool
    permanent: bool
    scheduled_at: datetime | None
    playback_url: str
    viewer_count: int
    peak_viewers: int
    total_viewers: int
    recording_video_id: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    ingest_url: str | None = Field(
        default=None, description="Where to publish (the owner only; the key is not repeated)."
    )


class StreamCreated(StreamOut):
    stream_key: str = Field(description="The secret stream key; shown here and at rotation only.")


class StreamKey(BaseModel):
    ingest_url: str
    stream_key: str


class StreamPage(BaseModel):
    items: list[StreamOut]
    next_cursor: str | None
