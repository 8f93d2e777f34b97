"""The ``[plugin.fcm]`` settings section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from socialflow.core.settings import SettingsError

SECTION = "fcm"
MAX_TTL = 28 * 24 * 3600  # FCM keeps an undelivered message four weeks at most


class FcmSettings(BaseModel):
    """Which Firebase project, which service account, and how pushes look.

    Credentials are a service-account key: ``credentials_file`` (the JSON
    file the Firebase console downloads) or ``credentials_json`` (its content,
    e.g. from a secret store). The account needs the *Firebase Cloud Messaging
    API Admin* role (``cloudmessaging.messages.create``). Unknown keys are
    refused at start.
    """

    model_config = ConfigDict(extra="forbid")

    project_id: str | None = Field(
        default=None, description="Firebase project id; default: the key's `project_id`."
    )
    credentials_file: Path | None = None
    credentials_json: SecretStr | None = None
    endpoint: str = Field(
        default="https://fcm.googleapis.com",
        description="FCM's base URL; change it only for a test server or a proxy.",
    )
    token_uri: str | None = Field(
        default=None, description="OAuth2 token endpoint; default: the key's `token_uri`."
    )
    timeout: float = Field(default=10, gt=0, description="Seconds per request.")
    connect_timeout: float = Field(default=5, gt=0, description="Seconds to connect.")
    max_connections: int = Field(default=20, ge=1, description="Pooled HTTP connections.")
    ttl_seconds: int = Field(
        default=3 * 24 * 3600,
        ge=0,
        le=MAX_TTL,
        description="How long FCM keeps a push for an offline device (0: now or never).",
    )
    normal_priority_kinds: list[str] = Field(
        default_factory=lambda: ["liked", "shared"],
        description="Kinds sent at normal priority (the OS may batch them); the rest are high.",
    )
    collapse_by_kind: bool = Field(
        default=True,
        description="A newer push of the same kind replaces an older one not yet shown.",
    )
    android_channel_id: str | None = Field(
        default=None, description="Android notification channel the app created, if any."
    )

    @model_validator(mode="after")
    def _consistent(self) -> FcmSettings:
        if self.credentials_file is not None and self.credentials_json is not None:
            raise ValueError("give credentials_file or credentials_json, not both")
        for name in ("endpoint", "token_uri"):
            url = getattr(self, name)
            if url is not None and not url.startswith(("https://", "http://")):
                raise ValueError(f"{name} must be an http(s) URL")
        return self

    def require_usable(self) -> None:
        """What matters only once ``fcm`` is an enabled channel.

        An installed plugin whose channel is not enabled needs no section, so
        the key is checked when the channel is built, not by the model.
        """
        if self.credentials_file is None and self.credentials_json is None:
            raise SettingsError(
                "setting `plugin.fcm.credentials_file` (or `plugin.fcm.credentials_json`) is "
                'required when notification_channels includes "fcm": the Firebase '
                "service-account key. Set it under [plugin.fcm] in socialflow.toml or the "
                "SOCIALFLOW_PLUGIN__FCM__CREDENTIALS_FILE environment variable"
            )
