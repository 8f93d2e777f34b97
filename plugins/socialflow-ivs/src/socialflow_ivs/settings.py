"""``[plugin.ivs]``: the region, credentials and how channels are made."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

SECTION = "ivs"


class IvsSettings(BaseModel):
    """Where IVS is and what channels socialflow creates there.

    Credentials default to boto3's chain (environment, instance role); set
    them here only where that chain is not available.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(default="us-east-1", description="AWS region of the channels.")
    endpoint_url: str | None = Field(
        default=None, description="Another IVS endpoint (a local emulator in tests)."
    )
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    channel_type: Literal["BASIC", "STANDARD", "ADVANCED_SD", "ADVANCED_HD"] = Field(
        default="STANDARD", description="IVS channel type (STANDARD transcodes a ladder)."
    )
    latency_mode: Literal["LOW", "NORMAL"] = Field(
        default="LOW", description="IVS latency mode of new channels."
    )
    recording_configuration_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:ivs:",
        description="Recording configuration attached to channels created with replay on "
        "(IVS then writes each broadcast to that configuration's S3 bucket).",
    )
    recording_bucket: str | None = Field(
        default=None,
        description="The recording configuration's bucket (asked of IVS when left out).",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="Another S3 endpoint for recordings (an emulator in tests)."
    )
    chat: bool = Field(
        default=False,
        description="Give each channel an IVS Chat room; viewers get tokens from "
        "POST /live/streams/{id}/chat/token.",
    )
    chat_endpoint_url: str | None = Field(
        default=None, description="Another IVS Chat API endpoint (a local emulator in tests)."
    )
    chat_messaging_endpoint: str | None = Field(
        default=None,
        description="Where chat clients connect; default wss://edge.ivschat.<region>.amazonaws.com.",
    )
    chat_session_minutes: int = Field(
        default=60, ge=1, le=180, description="How long a chat token's session lasts."
    )
    name_prefix: str = Field(
        default="socialflow", pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Channel names."
    )
