"""The video app's settings: the ``[plugin.video]`` section.

Values come from ``[plugin.video]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__VIDEO__<FIELD>``, validated when the platform starts.
The core settings keep the limits every deployment needs (sizes, timeouts,
segment length); this section holds the packaging choices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from socialflow.core.settings import Settings

SECTION = "video"


class VideoSettings(BaseModel):
    """How transcoded videos are packaged and which thumbnails are offered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    packaging: Literal["hls", "cmaf"] = Field(
        default="hls",
        description="hls: MPEG-TS segments and an HLS master, which every HLS player takes. "
        "cmaf: fragmented MP4 (CMAF) segments from the same single encode, referenced by both "
        "an HLS master (version 7) and a DASH manifest.",
    )
    thumbnail_candidates: int = Field(
        default=4,
        ge=0,
        le=10,
        description="Candidate thumbnail frames made during transcoding; the owner may pick one.",
    )
    delete_grace_hours: float = Field(
        default=72,
        ge=0,
        description="Hours a video deleted by its owner stays restorable (hidden from everyone) "
        "before its row and stored bytes are removed; 0 removes at once.",
    )
    purge_interval: int = Field(
        default=900,
        ge=1,
        description="How often Celery beat queues the purge of deleted videos past their grace "
        "period, seconds.",
    )

    @property
    def delete_grace(self) -> timedelta:
        return timedelta(hours=self.delete_grace_hours)


def video_settings(settings: Settings) -> VideoSettings:
    return settings.plugin_config(SECTION, VideoSettings)
