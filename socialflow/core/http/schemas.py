"""The base of every request body (:class:`StrictModel`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from socialflow.core.http.types import check_strings


class StrictModel(BaseModel):
    """The base of request bodies: unknown fields are refused, and so are NUL,
    control characters and lone surrogates in every string field (a 422)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _safe_strings(cls, value: Any) -> Any:
        return check_strings(value)
