"""The notifications app's delivery settings: the ``[plugin.notifications]`` section.

Values come from ``[plugin.notifications]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__NOTIFICATIONS__<FIELD>`` environment variables and are
validated when the platform starts (unknown keys refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "notifications"


class NotificationSettings(BaseModel):
    """Which channel sends e-mail, how deliveries are retried, the sweep and digests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email_channel: str | None = Field(
        default=None,
        description="Notification channel that sends notification e-mail; default: the "
        "channel of account mail (`mail_channel`). Empty string: no notification e-mail.",
    )
    max_attempts: int = Field(
        default=6, ge=1, le=30, description="Attempts of one delivery before it gives up."
    )
    retry_base_seconds: float = Field(
        default=30,
        gt=0,
        description="Delay before the first retry; each further retry waits twice as long.",
    )
    retry_max_seconds: float = Field(
        default=3600, gt=0, description="Longest wait between two attempts."
    )
    sweep_interval: int = Field(
        default=60,
        ge=1,
        description="How often Celery beat queues the delivery sweep (held deliveries "
        "whose quiet hours ended, retries whose task was lost), seconds.",
    )
    group_window_seconds: int = Field(
        default=86_400,
        ge=0,
        description="Notifications of one kind about one post within this window are "
        'shown as one group ("Ana and 4 others liked your post"); 0 turns grouping off.',
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public URL of the API, for unsubscribe links in e-mail.",
    )
    max_devices_per_user: int = Field(
        default=20, ge=1, le=1000, description="Push addresses one account may register."
    )


def notification_settings(platform: Platform) -> NotificationSettings:
    """The validated section (validated once per platform, see the app's hooks)."""
    return platform.get(NotificationSettings)
