"""Request and response bodies of ``/live``.

The examples use the built-in local RTMP provider's URL shapes: ingest on
``rtmp://127.0.0.1:1935/live``, HLS playback under ``/api/v1/live/play``. The
stream keys shown are placeholders, never real keys.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel

INGEST_URL = "rtmp://127.0.0.1:1935/live"
PLAYBACK_URL = "https://example.com/api/v1/live/play/3f9c2a7e5b1d4c8e9a0f6b2d7c1e4a58/master.m3u8"
STREAM_KEY = "sk_live_example_0000000000000000000000000000"


class StreamCreate(StrictModel):
    model_config = examples(
        {"title": "Sunday ridge ride, live from the trailhead"},
        {
            "title": "Weekly Q&A",
            "replay": True,
            "permanent": True,
            "scheduled_at": "2026-12-13T18:00:00Z",
        },
    )

    title: str = Field(min_length=1, max_length=200)
    replay: bool = Field(default=True, description="Keep each broadcast as an on-demand video.")
    permanent: bool = Field(
        default=False,
        description="Reusable for many broadcasts (like a channel); a one-off stream ends "
        "when its first broadcast does.",
    )
    scheduled_at: datetime | None = Field(
        default=None,
        description="When the creator plans to start: in the future, within a year, with a "
        "time zone. Followers' apps get a `live_scheduled` event; viewers see a countdown.",
    )


class Countdown(BaseModel):
    """What a page shows before a scheduled stream starts."""

    model_config = examples(
        {"scheduled_at": "2026-12-13T18:00:00Z", "seconds_left": 5400, "state": "upcoming"},
        {"scheduled_at": "2026-12-13T18:00:00Z", "seconds_left": 0, "state": "due"},
    )

    scheduled_at: datetime
    seconds_left: int = Field(description="Whole seconds until `scheduled_at`; 0 once due.")
    state: str = Field(description="upcoming (before the time) | due (the time has come)")


class StreamOwner(BaseModel):
    model_config = examples({"id": 42, "username": "alice", "display_name": "Alice"})

    id: int
    username: str
    display_name: str | None


class StreamOut(BaseModel):
    """A live stream as anyone who may see it gets it (never the key)."""

    model_config = examples(
        {
            "id": 318,
            "owner": example_of(StreamOwner),
            "title": "Sunday ridge ride, live from the trailhead",
            "status": "live",
            "replay": True,
            "permanent": False,
            "scheduled_at": None,
            "countdown": None,
            "playback_url": PLAYBACK_URL,
            "viewer_count": 57,
            "peak_viewers": 73,
            "total_viewers": 142,
            "recording_video_id": None,
            "created_at": "2026-12-07T17:52:10Z",
            "started_at": "2026-12-07T18:01:44Z",
            "ended_at": None,
            "ingest_url": None,
        },
        {
            "id": 301,
            "owner": example_of(StreamOwner),
            "title": "Trail building day",
            "status": "ended",
            "replay": True,
            "permanent": False,
            "scheduled_at": "2026-12-05T10:00:00Z",
            "countdown": None,
            "playback_url": PLAYBACK_URL,
            "viewer_count": 0,
            "peak_viewers": 38,
            "total_viewers": 91,
            "recording_video_id": "v_8Jx2kQ",
            "created_at": "2026-12-04T20:15:00Z",
            "started_at": "2026-12-05T10:02:31Z",
            "ended_at": "2026-12-05T11:47:05Z",
            "ingest_url": INGEST_URL,
        },
    )

    id: int
    owner: StreamOwner
    title: str
    status: str = Field(description="idle | live | ended")
    replay: bool
    permanent: bool
    scheduled_at: datetime | None
    countdown: Countdown | None = Field(
        default=None, description="Before a scheduled stream first goes live; else null."
    )
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
    model_config = examples(
        example_of(
            StreamOut,
            status="idle",
            viewer_count=0,
            peak_viewers=0,
            total_viewers=0,
            created_at="2026-12-07T17:52:10Z",
            started_at=None,
            ingest_url=INGEST_URL,
            stream_key=STREAM_KEY,
        )
    )

    stream_key: str = Field(description="The secret stream key; shown here and at rotation only.")


class StreamKey(BaseModel):
    model_config = examples({"ingest_url": INGEST_URL, "stream_key": STREAM_KEY})

    ingest_url: str
    stream_key: str


class StreamPage(BaseModel):
    model_config = examples({"items": [example_of(StreamOut)], "next_cursor": "318"})

    items: list[StreamOut]
    next_cursor: str | None
