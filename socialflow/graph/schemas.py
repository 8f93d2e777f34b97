"""Response bodies of the graph API: follow and relation states, pages of users."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from socialflow.accounts.schemas import UserPublic


class FollowState(BaseModel):
    state: Literal["following", "requested", "none"]


class RelationState(BaseModel):
    blocked: bool | None = None
    muted: bool | None = None


class UserPage(BaseModel):
    items: list[UserPublic]
    next_cursor: str | None
