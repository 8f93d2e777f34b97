"""Request and response bodies of the moderation and admin routes.

Their OpenAPI examples are in :mod:`socialflow.moderation.schema_examples`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from socialflow.accounts.models import Role
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId, SafeText
from socialflow.moderation import schema_examples as ex
from socialflow.moderation.models import ActionKind


class ReportCreate(StrictModel):
    model_config = examples(ex.REPORT_CREATE, ex.REPORT_CREATE_PROFILE)

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
    model_config = examples(ex.REPORT_OUT, ex.REPORT_RESOLVED)

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
    model_config = examples(
        {"items": [example_of(ReportOut), ex.REPORT_RESOLVED], "next_cursor": None}
    )

    items: list[ReportOut]
    next_cursor: str | None


class ActionOut(BaseModel):
    model_config = examples(ex.ACTION_HIDE, ex.ACTION_SUSPEND, ex.ACTION_REMOVE_HELD)

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


class VerdictOut(BaseModel):
    """A moderation model's verdict on one piece of content."""

    model_config = examples(ex.VERDICT_HOLD, ex.VERDICT_ALLOW)

    id: int
    target_type: str
    target_id: str | None
    author_id: int
    verdict: Literal["allow", "hold", "reject"]
    score: float
    labels: list[str]
    reason: str
    model: str
    model_version: str
    case_id: int | None
    action_id: int | None
    created_at: str | None


class VerdictPage(BaseModel):
    model_config = examples({"items": [ex.VERDICT_HOLD, ex.VERDICT_ALLOW], "next_cursor": "511"})

    items: list[VerdictOut]
    next_cursor: str | None


class ActionPage(BaseModel):
    model_config = examples({"items": [ex.ACTION_WARN, example_of(ActionOut)], "next_cursor": "88"})

    items: list[ActionOut]
    next_cursor: str | None


class ActionCreate(StrictModel):
    model_config = examples(ex.ACTION_CREATE, ex.ACTION_CREATE_SUSPEND)

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
    model_config = examples(ex.REVERT_CREATE)

    reason: SafeText = Field(min_length=1, max_length=2000)


class CaseOut(BaseModel):
    model_config = examples(ex.CASE_OUT, ex.CASE_CLAIMED)

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
    model_config = examples({"items": [example_of(CaseOut)], "next_cursor": None})

    items: list[CaseOut]
    next_cursor: str | None


class CaseContext(BaseModel):
    model_config = examples(ex.CASE_CONTEXT)

    case: CaseOut
    content: dict[str, Any] | None
    reports: list[ReportOut]
    author: dict[str, Any] | None
    author_history: list[ActionOut]
    target_history: list[ActionOut]
    verdicts: list[VerdictOut] = []


class AppealCreate(StrictModel):
    model_config = examples(ex.APPEAL_CREATE)

    action_id: int = Field(ge=1, le=2**31 - 1)
    text: SafeText = Field(min_length=1, max_length=2000)


class AppealDecision(StrictModel):
    model_config = examples(ex.APPEAL_DECISION, ex.APPEAL_DECISION_UPHELD)

    outcome: Literal["upheld", "overturned"]
    note: SafeText = Field(default="", max_length=2000)


class AppealOut(BaseModel):
    model_config = examples(ex.APPEAL_OUT, ex.APPEAL_DECIDED)

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
    model_config = examples({"items": [example_of(AppealOut)], "next_cursor": None})

    items: list[AppealOut]
    next_cursor: str | None


class AdminUserOut(BaseModel):
    model_config = examples(ex.ADMIN_USER_OUT, ex.ADMIN_USER_SUSPENDED)

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
    model_config = examples({"items": [example_of(AdminUserOut)], "next_cursor": "42"})

    items: list[AdminUserOut]
    next_cursor: str | None


class RoleChange(StrictModel):
    model_config = examples(ex.ROLE_CHANGE)

    role: Role


class SuspendRequest(StrictModel):
    model_config = examples(ex.SUSPEND_REQUEST, ex.BAN_REQUEST)

    reason: SafeText = Field(min_length=1, max_length=2000)
    duration_hours: int | None = Field(
        default=None, ge=1, le=24 * 3650, description="Omit for a ban (admins only)."
    )


class ReinstateRequest(StrictModel):
    model_config = examples(ex.REINSTATE_REQUEST)

    reason: SafeText = Field(min_length=1, max_length=2000)


class TwoFactorReset(BaseModel):
    model_config = examples(ex.TWO_FACTOR_RESET)

    was_enabled: bool


class ContentOut(BaseModel):
    model_config = examples(ex.CONTENT_OUT)

    target_type: str
    target_id: str
    author_id: int
    content: dict[str, Any]
    actions: list[ActionOut]
    open_case_id: int | None


class AuditEntryOut(BaseModel):
    model_config = examples(ex.AUDIT_ENTRY, ex.AUDIT_ROLE_CHANGED)

    id: int
    created_at: str | None
    action: str
    actor_id: int | None
    subject_user_id: int | None
    ip: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    model_config = examples(
        {"items": [example_of(AuditEntryOut), ex.AUDIT_ROLE_CHANGED], "next_cursor": None}
    )

    items: list[AuditEntryOut]
    next_cursor: str | None


class MessageCreate(StrictModel):
    model_config = examples(ex.MESSAGE_CREATE)

    text: SafeText = Field(min_length=1, max_length=2000)


class MessageOut(BaseModel):
    model_config = examples(ex.MESSAGE_OUT, ex.MESSAGE_FROM_MODERATOR)

    id: int
    report_id: int
    sender: Literal["reporter", "moderator"]
    text: str
    created_at: str | None


class MessagePage(BaseModel):
    model_config = examples(
        {"items": [ex.MESSAGE_FROM_MODERATOR, ex.MESSAGE_OUT], "next_cursor": None}
    )

    items: list[MessageOut]
    next_cursor: str | None


class CaseMessageCreate(StrictModel):
    model_config = examples(ex.CASE_MESSAGE_CREATE)

    report_id: DbId = Field(description="The report (one reporter) of the item to write to.")
    text: SafeText = Field(min_length=1, max_length=2000)


class CaseMessageOut(MessageOut):
    model_config = examples(ex.CASE_MESSAGE_OUT, ex.MESSAGE_OUT | {"author_id": 57})

    author_id: int | None = Field(
        description="Who wrote it (moderators see this, reporters never)."
    )


class CaseMessagePage(BaseModel):
    model_config = examples({"items": [ex.CASE_MESSAGE_OUT], "next_cursor": None})

    items: list[CaseMessageOut]
    next_cursor: str | None
