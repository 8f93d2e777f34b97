"""The moderation app's settings: the ``[plugin.moderation]`` section.

Values come from ``[plugin.moderation]`` in ``socialflow.toml`` or
``SOCIALFLOW_PLUGIN__MODERATION__<FIELD>`` environment variables, are
validated when the platform starts (unknown keys refused) and are read with
:func:`moderation_settings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socialflow.plugins.runtime_settings import current_settings

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "moderation"


class ModerationSettings(BaseModel):
    """Report limits, the claim lease, legal hold, suspension bounds, the expiry sweep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    report_rate: str = Field(
        default="30/hour",
        description="How many reports one account may file (a limits string: '30/hour', "
        "'5/minute'); more are answered 429.",
    )
    claim_lease_seconds: int = Field(
        default=900,
        ge=10,
        le=86_400,
        description="How long a moderator's claim on a queue item lasts before others may "
        "take it (claiming again renews it).",
    )
    legal_hold: bool = Field(
        default=False,
        description="Keep the stored bytes of removed videos (for a legal hold) instead of "
        "deleting them; the action records where they are.",
    )
    max_suspension_days: int = Field(
        default=365, ge=1, description="The longest suspension a moderator may give."
    )
    appeal_window_days: int = Field(
        default=30, ge=1, description="How long after an action its author may appeal it."
    )
    sweep_interval: int = Field(
        default=300,
        ge=1,
        description="How often Celery beat lifts suspensions whose period is over, seconds.",
    )
    queue_size: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="How many open cases the queue ranks at once (the oldest first).",
    )
    premoderation: Literal["off", "new_accounts", "all"] = Field(
        default="off",
        description="Hold newly uploaded videos for a moderator's approval: of accounts "
        "younger than new_account_days ('new_accounts'), of everyone ('all'), or none.",
    )
    new_account_days: int = Field(
        default=7,
        ge=1,
        le=3650,
        description="How young an account is 'new' for premoderation = 'new_accounts', days.",
    )
    registrations: Literal["open", "closed"] = Field(
        default="open",
        description="Whether new accounts may sign up ('closed' refuses every registration, "
        "OAuth sign-ins that would create an account included, with 403 registrations-closed).",
    )
    runtime_settings_refresh_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="How long a process keeps the values admins set at run time before "
        "reading them again; the process that made a change applies it at once.",
    )

    @field_validator("report_rate")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        # Checked here, not at the first report: an admin's typo must not become a 500.
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate such as '30/hour': {exc}") from exc
        return value


# What admins may change at run time (``/api/v1/admin/settings``): decisions made
# day to day, each read when it is used. The lease, queue size and sweep stay in the file.
RUNTIME_FIELDS = (
    "registrations",
    "premoderation",
    "new_account_days",
    "report_rate",
    "appeal_window_days",
    "max_suspension_days",
    "legal_hold",
)


def moderation_settings(platform: Platform) -> ModerationSettings:
    """The platform's moderation settings as they stand now: the file's, with what
    admins changed at run time (:mod:`socialflow.moderation.runtime_settings`)."""
    return current_settings(platform, ModerationSettings)
