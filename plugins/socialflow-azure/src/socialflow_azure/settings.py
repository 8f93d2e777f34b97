"""The ``[plugin.azure]`` settings section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from socialflow.core.settings import SettingsError, require_plugin_settings

SECTION = "azure"


class AzureSettings(BaseModel):
    """Which storage account and container. Unknown keys are refused at start.

    Give either ``connection_string`` or ``account_name`` + ``account_key``
    (with ``account_url`` for a non-default endpoint such as Azurite or a
    sovereign cloud). SAS URLs are signed with the account key.
    """

    model_config = ConfigDict(extra="forbid")

    container: str | None = Field(
        default=None, min_length=3, max_length=63, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
    )
    prefix: str = Field(default="", description="Blob name prefix, e.g. `socialflow/`.")
    connection_string: SecretStr | None = None
    account_name: str | None = None
    account_key: SecretStr | None = None
    account_url: str | None = Field(
        default=None, description="Default: https://<account_name>.blob.core.windows.net"
    )
    block_size: int = Field(
        default=8 * 1024 * 1024,
        ge=1024 * 1024,
        le=4000 * 1024 * 1024,
        description="File uploads go up as blocks of this size.",
    )
    max_concurrency: int = Field(default=2, ge=1, description="Parallel block uploads per put.")
    max_attempts: int = Field(default=3, ge=1, description="Tries of a failed request.")
    connect_timeout: float = Field(default=5, gt=0)
    read_timeout: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> AzureSettings:
        if self.connection_string is not None:
            if self.account_name or self.account_key:
                raise ValueError(
                    "give connection_string, or account_name and account_key, not both"
                )
        elif (self.account_name is None) != (self.account_key is None):
            raise ValueError("give both account_name and account_key, or connection_string")
        if self.prefix and (self.prefix.startswith("/") or not self.prefix.endswith("/")):
            raise ValueError("prefix must not start with `/` and must end with `/`")
        return self

    def require_usable(self) -> None:
        """What matters only once this backend is the active one.

        An installed plugin whose backend is not in use needs no section, so
        the required keys are checked here, when the backend is built (at
        start, for the active storage), not by the model.
        """
        require_plugin_settings(
            self, section="azure", names=("container",), provider='storage = "azure"'
        )
        if self.connection_string is None and self.account_name is None:
            raise SettingsError(
                'storage = "azure" needs credentials: set `plugin.azure.connection_string`, or '
                "`plugin.azure.account_name` and `plugin.azure.account_key` (environment: "
                "SOCIALFLOW_PLUGIN__AZURE__CONNECTION_STRING...)"
            )
