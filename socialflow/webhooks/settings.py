"""The webhooks app's settings: the ``[plugin.webhooks]`` section.

The kernel knows no app, so these live here and are registered by the app's
``socialflow_settings_model`` hook. Values come from ``[plugin.webhooks]`` in
``socialflow.toml`` or ``SOCIALFLOW_PLUGIN__WEBHOOKS__<FIELD>`` environment
variables, are validated when the platform starts (unknown keys refused), and
are read with :func:`webhook_settings` (validated once per platform).
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from socialflow.core.settings import CommaList

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

SECTION = "webhooks"


def _json_list(value: Any) -> Any:
    """A list from an environment variable: ``'[10, 60]'`` (or ``10,60``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list of seconds ({exc.msg})") from None
    return [part.strip() for part in text.split(",") if part.strip()]


class WebhookSettings(BaseModel):
    """Address policy, retries, auto-disable, timeouts, the sweep and log retention."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_private_targets: bool = Field(
        default=False,
        description="Development only: let webhook URLs reach private, loopback, link-local "
        "and other non-public addresses (refused by default, at registration and each delivery).",
    )
    allowed_networks: CommaList = Field(
        default_factory=list,
        description="Non-public networks webhooks may reach anyway (CIDRs, e.g. 10.20.0.0/16 "
        "for an internal receiver); every other non-public address stays refused.",
    )
    require_https: bool = Field(
        default=True, description="Refuse http:// webhook URLs (https only)."
    )
    retry_schedule: Annotated[list[float], BeforeValidator(_json_list)] = Field(
        default_factory=lambda: [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 43200.0, 86400.0],
        min_length=0,
        max_length=30,
        description="Seconds to wait before each retry of a failed delivery; its length is "
        "the number of retries (the first attempt is immediate).",
    )
    retry_jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each retry delay is spread by up to +/- this share."
    )
    disable_after_failures: int = Field(
        default=40,
        ge=1,
        description="Consecutive failed attempts after which an endpoint is disabled (its "
        "owner re-enables it with PATCH enabled=true).",
    )
    timeout_seconds: float = Field(
        default=10,
        gt=0,
        le=60,
        description="Wall clock for one delivery attempt, redirects included.",
    )
    max_endpoints_per_user: int = Field(
        default=10, ge=1, le=1000, description="Webhook endpoints one account may register."
    )
    sweep_interval: int = Field(
        default=60,
        ge=1,
        description="How often Celery beat queues the webhook sweep (lost deliveries, "
        "retention), seconds.",
    )
    sweep_grace_seconds: float = Field(
        default=300,
        ge=0,
        description="A delivery due this long ago with no attempt is presumed lost and "
        "queued again by the sweep.",
    )
    delivery_retention_days: int = Field(
        default=30, ge=1, description="Delivery log entries older than this are deleted."
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks_are_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP network (10.20.0.0/16, fd00:1::/64)"
                ) from None
        return value

    @model_validator(mode="after")
    def _refuse_private_targets_in_production(self, info: ValidationInfo) -> WebhookSettings:
        # ``Settings.plugin_config`` passes the platform's environment as the context;
        # without one (a model built by hand) nothing says production, so nothing is refused.
        production = (info.context or {}).get("environment") == "production"
        if production and self.allow_private_targets:
            raise ValueError(
                "plugin.webhooks.allow_private_targets is on, which lets any user's webhook "
                "URL reach loopback and internal addresses (SSRF), and environment is "
                "production. Turn it off (SOCIALFLOW_PLUGIN__WEBHOOKS__ALLOW_PRIVATE_TARGETS); "
                "list the internal networks a receiver really lives in under "
                "plugin.webhooks.allowed_networks instead."
            )
        return self


def webhook_settings(platform: Platform) -> WebhookSettings:
    """The platform's webhooks settings, validated once (attached at platform start)."""
    return platform.get(WebhookSettings)
