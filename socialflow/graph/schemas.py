"""Response bodies of the graph API: follow and relation states, pages of users."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from socialflow.accounts.schemas import UserPublic
from socialflow.core.http.examples import example_of, examples


class FollowState(BaseModel):
    model_config = examples({"state": "following"}, {"state": "requested"})

    state: Literal["following", "requested", "none"]


class RelationState(BaseModel):
    model_config = examples({"blocked": True}, {"muted": False})

    blocked: bool | None = None
    muted: bool | None = None


class UserPage(BaseModel):
    model_config = examples({"items": [example_of(UserPublic)], "next_cursor": "eyJpZCI6NDF9"})

    items: list[UserPublic]
    next_cursor: str | None
