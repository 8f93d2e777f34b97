"""The realtime app's settings: the ``[plugin.realtime]`` section.

The kernel knows no app, so these live here and are registered by the app's
``socialflow_settings_model`` hook. Values come from ``[plugin.realtime]`` in
``socialflow.toml`` or ``SOCIALFLOW_PLUGIN__REALTIME__<FIELD>`` environment
variables, are validated when the platform starts (unknown keys refused), and
are read with :func:`realtime_settings` (validated once per platform).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "realtime"


class RealtimeSettings(BaseModel):
    """Per-client bounds (queue, frame size, rate, topics), the heartbeat and the replay log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    send_queue_frames: int = Field(
        default=256,
        ge=1,
        le=100_000,
        description="Frames waiting for one slow client; a client that lets it fill is dropped.",
    )
    max_message_bytes: int = Field(
        default=4096,
        ge=64,
        le=1024 * 1024,
        description="Largest frame a WebSocket client may send; closed with 1009 above.",
    )
    messages_per_second: float = Field(
        default=5.0,
        gt=0,
        description="Frames a WebSocket client may send per second, on average (close 1008).",
    )
    message_burst: int = Field(
        default=20, ge=1, description="Frames a WebSocket client may send at once."
    )
    max_subscriptions: int = Field(
        default=100, ge=1, description="Topics one WebSocket connection may follow at once."
    )
    heartbeat_seconds: float = Field(
        default=25.0,
        gt=0,
        description="Idle time after which a heartbeat frame (WebSocket) or comment (SSE) "
        "is sent; the caller's access is checked again at the same pace.",
    )
    replay_entries: int = Field(
        default=500,
        ge=0,
        description="Frames kept per user for resuming an event stream (Last-Event-ID).",
    )
    replay_seconds: int = Field(
        default=24 * 3600,
        ge=1,
        description="How long a user's replay log lives after its last frame.",
    )
    replay_users: int = Field(
        default=10_000,
        ge=1,
        description="Users whose replay log one process keeps without Redis (least recent go).",
    )


def realtime_settings(platform: Platform) -> RealtimeSettings:
    """The platform's realtime settings, validated once (attached at platform start)."""
    return platform.get(RealtimeSettings)
