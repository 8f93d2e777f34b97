"""Bodies of ``/admin/signup-blocks`` and their OpenAPI examples.

Apart from :mod:`socialflow.moderation.schemas` to keep each module short.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from socialflow.core.http.examples import examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import SafeText
from socialflow.moderation.models import SignupBlockKind

BLOCK_CREATE: dict[str, Any] = {
    "kind": "domain",
    "value": "throwaway-mail.example",
    "reason": "Disposable addresses behind the October spam wave.",
}
BLOCK_CREATE_CIDR: dict[str, Any] = {
    "kind": "cidr",
    "value": "203.0.113.0/24",
    "reason": "Sign-up farm.",
}
BLOCK_OUT: dict[str, Any] = {
    "id": 14,
    "kind": "domain",
    "value": "throwaway-mail.example",
    "reason": "Disposable addresses behind the October spam wave.",
    "created_by": 3,
    "created_at": "2026-12-07T10:02:11.523114+00:00",
    "updated_at": None,
}
BLOCK_CIDR_OUT: dict[str, Any] = {
    **BLOCK_OUT,
    "id": 15,
    "kind": "cidr",
    "value": "203.0.113.0/24",
    "reason": "Sign-up farm.",
}


class SignupBlockCreate(StrictModel):
    model_config = examples(BLOCK_CREATE, BLOCK_CREATE_CIDR)

    kind: SignupBlockKind = Field(
        description="domain: an email domain and its subdomains; cidr: an IP network."
    )
    value: SafeText = Field(
        min_length=1, max_length=255, description="example.com, or 203.0.113.0/24 (or one address)."
    )
    reason: SafeText = Field(default="", max_length=1000)


class SignupBlockChange(StrictModel):
    model_config = examples({"reason": "Still sending spam sign-ups in December."})

    reason: SafeText = Field(max_length=1000)


class SignupBlockOut(BaseModel):
    model_config = examples(BLOCK_OUT, BLOCK_CIDR_OUT)

    id: int
    kind: SignupBlockKind
    value: str = Field(description="Normalized: an ASCII (IDNA) domain, or a CIDR network.")
    reason: str
    created_by: int | None
    created_at: str | None
    updated_at: str | None


class SignupBlockPage(BaseModel):
    model_config = examples({"items": [BLOCK_CIDR_OUT, BLOCK_OUT], "next_cursor": None})

    items: list[SignupBlockOut]
    next_cursor: str | None
