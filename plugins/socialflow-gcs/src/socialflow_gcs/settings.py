"""The ``[plugin.gcs]`` settings section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from socialflow.core.settings import require_plugin_settings

SECTION = "gcs"
RESUMABLE_GRANULE = 256 * 1024  # GCS wants resumable chunks in multiples of 256 KiB


class GCSSettings(BaseModel):
    """Which bucket and how to authenticate. Unknown keys are refused at start.

    Credentials: ``credentials_file`` (a service-account key file) or
    ``credentials_json`` (its content, e.g. from a secret store); with neither,
    Application Default Credentials are used (workload identity on GKE).
    V4 signed URLs need a key that can sign: a service-account key, or ADC
    of a service account allowed to ``signBlob``.
    """

    model_config = ConfigDict(extra="forbid")

    bucket: str | None = Field(default=None, min_length=3, max_length=222)
    prefix: str = Field(default="", description="Object name prefix, e.g. `socialflow/`.")
    project: str | None = Field(default=None, description="Google Cloud project id.")
    credentials_file: Path | None = None
    credentials_json: SecretStr | None = None
    endpoint_url: str | None = Field(
        default=None, description="API endpoint; set only for an emulator or a private endpoint."
    )
    anonymous: bool = Field(
        default=False,
        description="Call the API without credentials (emulators); a key still signs URLs.",
    )
    chunk_size: int = Field(
        default=8 * 1024 * 1024,
        ge=RESUMABLE_GRANULE,
        description="Uploads above this use resumable uploads in chunks of this size.",
    )
    timeout: float = Field(default=60, gt=0, description="Seconds per request.")
    check_timeout: float = Field(default=10, gt=0, description="Seconds for check() probes.")

    @model_validator(mode="after")
    def _consistent(self) -> GCSSettings:
        if self.credentials_file is not None and self.credentials_json is not None:
            raise ValueError("give credentials_file or credentials_json, not both")
        if self.chunk_size % RESUMABLE_GRANULE:
            raise ValueError("chunk_size must be a multiple of 256 KiB (262144)")
        if self.prefix and (self.prefix.startswith("/") or not self.prefix.endswith("/")):
            raise ValueError("prefix must not start with `/` and must end with `/`")
        return self

    def require_usable(self) -> None:
        """What matters only once this backend is the active one.

        An installed plugin whose backend is not in use needs no section, so
        the required keys are checked here, when the backend is built (at
        start, for the active storage), not by the model.
        """
        require_plugin_settings(self, section="gcs", names=("bucket",), provider='storage = "gcs"')
