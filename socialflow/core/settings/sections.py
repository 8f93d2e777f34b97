"""Nested sections of the settings: OAuth login providers and rate limits.

Tables in ``socialflow.toml`` (``[oauth.<name>]``, ``[rate_limits]``) and
``__``-nested environment variables (``SOCIALFLOW_RATE_LIMITS__ENABLED``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class OAuthProviderSettings(BaseModel):
    """One ``[oauth.<name>]`` login provider.

    ``preset`` fills the endpoints of a well-known provider (google, github,
    facebook, x); a generic OpenID Connect provider needs only
    ``server_metadata_url`` (its discovery document). Explicit URLs override.
    """

    model_config = {"extra": "forbid"}

    preset: Literal["google", "github", "facebook", "x"] | None = None
    client_id: str
    client_secret: SecretStr | None = None
    server_metadata_url: str | None = Field(
        default=None, description="OIDC discovery URL (.../.well-known/openid-configuration)."
    )
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    scope: str | None = None
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"  # noqa: S105 - a method name
    )
    display_name: str | None = None


class RateLimitSettings(BaseModel):
    """Limits in the ``limits`` library's notation (``"10/minute"``, ``"5 per 15 minutes"``)."""

    model_config = {"extra": "forbid"}

    enabled: bool = True
    login_per_ip: str = "30/minute"
    login_per_account: str = "10/minute"
    register_per_ip: str = "10/hour"
    password_reset_per_ip: str = "10/hour"  # noqa: S105 - a rate
    password_reset_per_account: str = "3/hour"  # noqa: S105 - a rate
    two_factor_per_account: str = "10/5 minutes"
    oauth_authorize_per_ip: str = "20/minute"
    # Progressive lockout: failed logins of one account, each tier stricter and longer.
    lockout_tiers: list[str] = Field(
        default_factory=lambda: ["5/5 minutes", "10/hour", "20/day"],
        description="Failed logins per account before a lockout, shortest window first.",
    )
