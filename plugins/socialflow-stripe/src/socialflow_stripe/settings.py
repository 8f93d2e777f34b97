"""The ``[plugin.stripe]`` settings section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from socialflow.core.settings import SettingsError

SECTION = "stripe"


class StripeSettings(BaseModel):
    """Which Stripe account, how webhooks are checked, and how calls behave.

    ``secret_key`` is the platform account's secret (or restricted) key:
    ``sk_test_...`` keys make the provider report ``test_mode``.
    ``webhook_secret`` is the signing secret of the endpoint registered for
    ``/api/v1/payments/webhooks/stripe`` (``whsec_...``). Both are secrets:
    they never appear in logs or answers. Unknown keys are refused at start.
    """

    model_config = ConfigDict(extra="forbid")

    secret_key: SecretStr | None = Field(default=None, description="sk_live_... or sk_test_...")
    webhook_secret: SecretStr | None = Field(
        default=None, description="The webhook endpoint's signing secret (whsec_...)."
    )
    webhook_tolerance: int = Field(
        default=300,
        ge=1,
        le=3600,
        description="Seconds a webhook's signed timestamp may be old (replays are refused).",
    )
    api_base: str | None = Field(
        default=None,
        description="Stripe API base URL; change it only for a test server or a proxy.",
    )
    timeout: float = Field(default=30, gt=0, description="Seconds per API request.")
    max_network_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Retries of a request whose connection failed (same idempotency key).",
    )
    connect_country: str | None = Field(
        default=None, description="Country of new Connect Express accounts (default: Stripe's)."
    )
    billing: bool = Field(
        default=True,
        description=(
            "Subscriptions are billed by Stripe Billing (renewals, dunning, proration); "
            "false keeps socialflow's own schedule, each period an off-session PaymentIntent."
        ),
    )
    product_name: str = Field(
        default="Creator subscription",
        description="Name of the Stripe product that creators' tier prices belong to.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> StripeSettings:
        if self.api_base is not None and not self.api_base.startswith(("https://", "http://")):
            raise ValueError("api_base must be an http(s) URL")
        return self

    def require_usable(self) -> None:
        """What matters only once ``payments = "stripe"`` (an installed, unused plugin
        needs no section)."""
        for name in ("secret_key", "webhook_secret"):
            if getattr(self, name) is None:
                raise SettingsError(
                    f'setting `plugin.stripe.{name}` is required when payments = "stripe". '
                    f"Set it under [plugin.stripe] in socialflow.toml or the "
                    f"SOCIALFLOW_PLUGIN__STRIPE__{name.upper()} environment variable"
                )
