"""Request and response bodies of the moderation and admin routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from socialflow.accounts.models import Role
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import SafeText
from socialflow.moderation.models import ActionKind


class ReportCreate(StrictModel):
    target_type: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z_]+$",
        description="post, comment, video, profile...",
    )
    target_id: SafeText = Field(
        min_length=1, max_length=64, description="The object's id (a profile: its username)."
    )
    reason: str = Field(min_length=1, max_length=32, description="A reason category.")
    text: SafeText = Field(default="", max_length=2000)


class ReportOut(BaseModel):
    id: int
    target_type: str
    target_id: str
    reason: str
    text: str
    times: int
    status: str
    outcome: str | None
    created_at: str | None
    resolved_at: str | None


class ReportPage(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None


class ActionOut(BaseModel):
    id: int
    kind: str
    target_type: str
    target_id: str
    author_id: int
    moderator_id: int | None
    reason: str
    case_id: int | None
    reverts_id: int | None
    expires_at: str | None
    reverted_at: str | None
    kept_storage: list[str] | None = None
    created_at: str | None


class ActionPage(BaseModel):
    items: list[ActionOut]
    next_cursor: str | None


class ActionCreate(StrictModel):
    target_type: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    target_id: SafeText = Field(min_length=1, max_length=64)
    kind: Literal[
        ActionKind.dismiss,
        ActionKind.hide,
        ActionKind.remove,
        ActionKind.warn,
        ActionKind.suspend,
        ActionKind.ban,
    ]
    reason: SafeText = Field(min_length=1, max_length=2000)
    duration_hours: int | None = Field(default=None, ge=1, le=24 * 3650)


class RevertCreate(StrictModel):
    reason: SafeText = Field(min_length=1, max_length=2000)


class CaseOut(BaseModel):
    id: int
    target_type: str
    target_id: str
    author_id: int
    author_username: str | None
    author_followers: int
    author_strikes: int
    status: str
    severity: int
    report_count: int
    priority: int
    claimed_by: int | None
    lease_until: str | None
    created_at: str | None


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class CaseContext(BaseModel):
    case: CaseOut
    content: dict[str, Any] | None
    reports: list[ReportOut]
    author: dict[str, Any] | None
    author_history: list[ActionOut]
    target_history: list[ActionOut]


class AppealCreate(StrictModel):
    action_id: int = Field(ge=1, le=2**31 - 1)
    text: SafeText = Field(min_length=1, max_length=2000)


class AppealDecision(StrictModel):
    outcome: Literal["upheld", "overturned"]
    note: SafeText = Field(default="", max_length=2000)


class AppealOut(BaseModel):
    id: int
    action_id: int
    appellant_id: int
    text: str
    status: str
    decision_note: str
    decided_by: int | None
    created_at: str | None
    decided_at: str | None


class AppealPage(BaseModel):
    items: list[AppealOut]
    next_cursor: str | None


class AdminUserOut(BaseModel):
    id: int
    username: str
    email: str
    display_name: str
    role: str
    state: str
    email_verified: bool
    follower_count: int
    strikes: int
    created_at: str | None


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    next_cursor: str | None


class RoleChange(StrictModel):
    role: Role


class SuspendRequest(StrictModel):
    reason: SafeText = Field(min_length=1, max_length=2000)
    duration_hours: int | None = Field(
        default=None, ge=1, le=24 * 3650, description="Omit for a ban (admins only)."
    )


class ReinstateRequest(StrictModel):
    reason: SafeText = Field(min_length=1, max_length=2000)


class TwoFactorReset(BaseModel):
    was_enabled: bool


class ContentOut(BaseModel):
    target_type: str
    target_id: str
    author_id: int
    content: dict[str, Any]
    actions: list[ActionOut]
    open_case_id: int | None


class AuditEntryOut(BaseModel):
    id: int
    created_at: str | None
    action: str
    actor_id: int | None
    subject_user_id: int | None
    ip: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
