"""The ``[plugin.s3]`` settings section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from socialflow.core.settings import require_plugin_settings

SECTION = "s3"


class S3Settings(BaseModel):
    """Where and how to reach the bucket. Unknown keys are refused at start.

    Credentials left unset come from boto3's usual chain (environment,
    ``~/.aws``, instance role), which is what production on AWS wants.
    """

    model_config = ConfigDict(extra="forbid")

    bucket: str | None = Field(
        default=None, min_length=3, max_length=63, description="Bucket holding the media."
    )
    prefix: str = Field(
        default="", description="Key prefix inside the bucket, e.g. `socialflow/` to share one."
    )
    region: str = Field(default="us-east-1", description="AWS region of the bucket.")
    endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (MinIO, R2, Ceph, moto); unset for AWS itself.",
    )
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="`path` for most self-hosted S3-compatible stores."
    )
    server_side_encryption: Literal["AES256", "aws:kms"] | None = Field(
        default=None, description="Ask S3 to encrypt objects at rest."
    )
    sse_kms_key_id: str | None = Field(
        default=None, description='KMS key for `server_side_encryption = "aws:kms"`.'
    )
    multipart_threshold: int = Field(
        default=16 * 1024 * 1024,
        ge=5 * 1024 * 1024,
        description="File uploads larger than this go up in parts.",
    )
    max_attempts: int = Field(default=5, ge=1, description="Retries of a failed request.")
    connect_timeout: float = Field(default=5, gt=0)
    read_timeout: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _credentials_come_in_pairs(self) -> S3Settings:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("set both access_key_id and secret_access_key, or neither")
        if self.sse_kms_key_id and self.server_side_encryption != "aws:kms":
            raise ValueError('sse_kms_key_id needs server_side_encryption = "aws:kms"')
        if self.prefix and (self.prefix.startswith("/") or not self.prefix.endswith("/")):
            raise ValueError("prefix must not start with `/` and must end with `/`")
        return self

    def require_usable(self) -> None:
        """What matters only once this backend is the active one.

        An installed plugin whose backend is not in use needs no section, so
        the required keys are checked here, when the backend is built (at
        start, for the active storage), not by the model.
        """
        require_plugin_settings(self, section="s3", names=("bucket",), provider='storage = "s3"')
