"""Bodies of the creator's ingest routes: a stream's health and its latency mode."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from socialflow.core.http.examples import examples
from socialflow.core.http.schemas import StrictModel

LatencyModeName = Literal["standard", "low"]


class LatencyModeIn(StrictModel):
    model_config = examples({"mode": "low"}, {"mode": "standard"})

    mode: LatencyModeName = Field(
        description="standard: the operator's segment length (steady, fewer requests); "
        "low: shorter segments, players closer to the live edge. Applies from the next "
        "broadcast."
    )


class StreamHealthOut(BaseModel):
    """How the stream arrives at the ingest, measured from the publisher's own packets."""

    model_config = examples(
        {
            "stream_id": 318,
            "status": "live",
            "latency_mode": "low",
            "available": True,
            "broadcasting": True,
            "width": 1280,
            "height": 720,
            "codec": "h264",
            "bitrate_kbps": 2950,
            "frame_rate": 30.0,
            "keyframe_interval": 2.0,
            "speed": 1.0,
            "dropped_frames": 0,
            "duplicated_frames": 0,
            "measured_at": "2026-12-07T18:03:12.512000+00:00",
            "stopped_reason": None,
        },
        {
            "stream_id": 319,
            "status": "idle",
            "latency_mode": "standard",
            "available": True,
            "broadcasting": False,
            "width": 3840,
            "height": 2160,
            "codec": "h264",
            "bitrate_kbps": 24000,
            "frame_rate": 60.0,
            "keyframe_interval": 2.0,
            "speed": 0.4,
            "dropped_frames": 0,
            "duplicated_frames": 0,
            "measured_at": "2026-12-07T18:10:02.004000+00:00",
            "stopped_reason": "The stream was stopped: its resolution is 3840x2160, above "
            "this server's limit of 1080p. Lower your output resolution.",
        },
    )

    stream_id: int
    status: str = Field(description="idle | live | ended (the stream's)")
    latency_mode: LatencyModeName
    available: bool = Field(
        description="Whether the streaming provider measures streams (the built-in one does)."
    )
    broadcasting: bool = Field(description="The newest broadcast is still coming in.")
    width: int | None = None
    height: int | None = None
    codec: str | None = None
    bitrate_kbps: int | None = Field(default=None, description="Incoming video, last 5 s.")
    frame_rate: float | None = Field(default=None, description="Incoming frames per second.")
    keyframe_interval: float | None = Field(
        default=None, description="Seconds between the publisher's last two keyframes."
    )
    speed: float | None = Field(
        default=None, description="Transcoding speed against real time (below 1: falling behind)."
    )
    dropped_frames: int | None = None
    duplicated_frames: int | None = None
    measured_at: datetime | None = None
    stopped_reason: str | None = Field(
        default=None,
        description="Why the server stopped the newest broadcast (a limit it broke), for the "
        "creator to read; null if it did not.",
    )
