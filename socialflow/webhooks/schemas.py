"""Request and response bodies of ``/webhooks``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from socialflow.core.http.schemas import StrictModel
from socialflow.webhooks.targets import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=8, max_length=MAX_URL_LENGTH)]
EventName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=200)]


class EndpointCreate(StrictModel):
    url: Url
    events: list[EventName] = Field(min_length=1, max_length=100)
    description: Description = ""


class EndpointUpdate(StrictModel):
    url: Url | None = None
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=100)
    description: Description | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
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
    secret: str = Field(description="The signing secret (whsec_...): shown this once.")


class EndpointList(BaseModel):
    items: list[EndpointOut]


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret (whsec_...): shown this once.")


class DeliveryOut(BaseModel):
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
    items: list[DeliveryOut]
    next_cursor: str | None
