"""Request and response bodies of ``/webhooks``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.webhooks.targets import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=8, max_length=MAX_URL_LENGTH)]
EventName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=200)]


class EndpointCreate(StrictModel):
    model_config = examples(
        {
            "url": "https://hooks.example.org/socialflow",
            "events": ["post_created", "video_ready"],
            "description": "Our CRM",
        }
    )

    url: Url
    events: list[EventName] = Field(min_length=1, max_length=100)
    description: Description = ""


class EndpointUpdate(StrictModel):
    model_config = examples({"enabled": True}, {"events": ["video_ready"]})

    url: Url | None = None
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=100)
    description: Description | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    model_config = examples(
        {
            "id": 3,
            "url": "https://hooks.example.org/socialflow",
            "description": "Our CRM",
            "events": ["post_created", "video_ready"],
            "enabled": True,
            "disabled_reason": None,
            "disabled_at": None,
            "consecutive_failures": 0,
            "created_at": "2026-03-01T08:00:00Z",
            "updated_at": None,
            "secret_rotated_at": None,
        }
    )

    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    disabled_at: str | None
    consecutive_failures: int
    created_at: str
    updated_at: str | None
    secret_rotated_at: str | None


class EndpointCreated(EndpointOut):
    model_config = examples(
        example_of(EndpointOut, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")  # noqa: S106
    )

    secret: str = Field(description="The signing secret (whsec_...): shown this once.")


class EndpointList(BaseModel):
    model_config = examples({"items": [example_of(EndpointOut)]})

    items: list[EndpointOut]


class SecretOut(BaseModel):
    model_config = examples({"secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"})

    secret: str = Field(description="The new signing secret (whsec_...): shown this once.")


class DeliveryOut(BaseModel):
    model_config = examples(
        {
            "id": 77,
            "message_id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
            "event_type": "video_ready",
            "status": "delivered",
            "attempts": 1,
            "next_attempt_at": None,
            "last_attempt_at": "2026-03-01T08:10:02Z",
            "response_status": 200,
            "response_snippet": "ok",
            "duration_ms": 84,
            "error": None,
            "delivered_at": "2026-03-01T08:10:02Z",
            "created_at": "2026-03-01T08:10:01Z",
            "payload": {"type": "video_ready", "data": {"video_id": "v_8Jx2kQ", "owner_id": 42}},
        }
    )

    id: int
    message_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: str | None
    last_attempt_at: str | None
    response_status: int | None
    response_snippet: str | None
    duration_ms: int | None
    error: str | None
    delivered_at: str | None
    created_at: str | None
    payload: dict[str, Any]


class DeliveryPage(BaseModel):
    model_config = examples({"items": [example_of(DeliveryOut)], "next_cursor": None})

    items: list[DeliveryOut]
    next_cursor: str | None
