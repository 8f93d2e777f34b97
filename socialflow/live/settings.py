"""The live app's settings: the ``[plugin.live]`` section.

Which provider ingests video is the top-level ``streaming`` setting (shared
with every provider kind); unset, the live app uses the built-in ``local``
one, so a project with the live app switched off never needs a streaming
provider at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

SECTION = "live"
DEFAULT_PROVIDER = "local"


class LiveSettings(BaseModel):
    """Limits, the sync schedule and where the hosted ingest runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ingest_in_api: bool = Field(
        default=True,
        description="Run a hosted ingest (the local provider's RTMP port) in the API "
        "process (`socialflow serve`); off, run it with `socialflow live ingest`.",
    )
    max_open_streams: int = Field(
        default=10, ge=1, le=1000, description="Streams one account may hold not yet ended."
    )
    sync_interval: int = Field(
        default=15,
        ge=1,
        description="How often Celery beat asks the provider about live and idle streams, "
        "seconds (a provider that reports changes itself is heard at once).",
    )


def provider_name(settings: Settings) -> str:
    """The streaming provider the live app uses: ``streaming``, else the built-in one."""
    return settings.streaming or DEFAULT_PROVIDER


def live_settings(platform: Platform) -> LiveSettings:
    return platform.get(LiveSettings)
