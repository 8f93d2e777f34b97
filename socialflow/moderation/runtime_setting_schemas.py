"""Bodies of ``/admin/settings`` and their OpenAPI examples."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from socialflow.core.http.examples import examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import SafeText

SETTING_OUT: dict[str, Any] = {
    "key": "moderation.premoderation",
    "description": "Hold newly uploaded videos for a moderator's approval: of accounts "
    "younger than new_account_days ('new_accounts'), of everyone ('all'), or none.",
    "value": "new_accounts",
    "file_value": "off",
    "changed": True,
    "updated_at": "2026-12-07T15:31:02.118204+00:00",
    "updated_by": 1,
    "schema": {"default": "off", "enum": ["off", "new_accounts", "all"], "type": "string"},
}
REGISTRATIONS_OUT: dict[str, Any] = {
    "key": "moderation.registrations",
    "description": "Whether new accounts may sign up.",
    "value": "open",
    "file_value": "open",
    "changed": False,
    "updated_at": None,
    "updated_by": None,
    "schema": {"default": "open", "enum": ["open", "closed"], "type": "string"},
}


class RuntimeSettingsChange(StrictModel):
    model_config = examples(
        {
            "values": {
                "moderation.premoderation": "new_accounts",
                "moderation.new_account_days": 3,
            },
            "reason": "Spam wave from fresh accounts.",
        },
        {"reset": ["moderation.premoderation"], "reason": "The wave is over."},
    )

    values: dict[str, Any] = Field(
        default_factory=dict,
        description="New values by key (``GET /admin/settings`` lists the keys and their schemas).",
    )
    reset: list[str] = Field(
        default_factory=list, max_length=100, description="Keys to return to the file's value."
    )
    reason: SafeText = Field(default="", max_length=1000, description="Kept in the audit log.")


class RuntimeSettingOut(BaseModel):
    model_config = examples(SETTING_OUT)

    key: str = Field(description="``<section>.<field>``: ``[plugin.<section>]`` in the file.")
    description: str
    value: Any = Field(description="The value in force now.")
    file_value: Any = Field(description="The value from socialflow.toml or the environment.")
    changed: bool = Field(description="Whether an admin's value replaces the file's.")
    updated_at: str | None
    updated_by: int | None = Field(description="The admin who set it, if anyone did.")
    schema_: dict[str, Any] = Field(
        alias="schema", description="The JSON schema a new value must meet."
    )


class RuntimeSettingsOut(BaseModel):
    model_config = examples({"items": [SETTING_OUT, REGISTRATIONS_OUT]})

    items: list[RuntimeSettingOut]
