"""The moderation tables: cases (one per reported target), reports, actions, appeals.

A **case** groups every open report about one target (a post, a video, a
profile...), so moderators review a target once however many people reported
it; it carries the claim (who reviews it, until when). A **report** is one
reporter's complaint (one row per reporter and target: a second report
merges into the first). An **action** is what a moderator did (hide, remove,
warn, suspend...), with what is needed to undo it; an **appeal** is the
author's one request to have an action looked at again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class CaseStatus(StrEnum):
    open = "open"
    closed = "closed"


class ReportStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class ActionKind(StrEnum):
    dismiss = "dismiss"  # no violation: the reports close, nothing changes
    hide = "hide"  # reversible: the content is shown to its author alone
    remove = "remove"  # soft delete (posts, comments); a video is deleted
    restore = "restore"  # undoes an earlier hide or remove
    warn = "warn"
    suspend = "suspend"  # for a period
    ban = "ban"  # suspension without end
    reinstate = "reinstate"  # lifts a suspension or ban
    retract = "retract"  # withdraws a warning
    hold = "hold"  # a moderation model held the content for review (not a strike)


# Actions that count as a strike against the author while they stand.
STRIKE_KINDS = frozenset(
    {ActionKind.hide, ActionKind.remove, ActionKind.warn, ActionKind.suspend, ActionKind.ban}
)


class AppealStatus(StrEnum):
    open = "open"
    upheld = "upheld"  # the action stands
    overturned = "overturned"  # the action was undone


def _user_fk(*, nullable: bool = False, index: bool = True) -> Column[int]:
    return Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=nullable, index=index
    )


class ModerationCase(SQLModel, table=True):
    __tablename__ = "moderation_cases"
    __table_args__ = (
        Index("uq_moderation_cases_target", "target_type", "target_id", unique=True),
        Index("ix_moderation_cases_status", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    # The account responsible for the target (its author, or the profile itself).
    author_id: int = Field(sa_column=_user_fk())
    status: str = Field(default=CaseStatus.open.value, max_length=16)
    # Highest severity among the open reports, and how many are open.
    severity: int = Field(default=0)
    report_count: int = Field(default=0)
    claimed_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    lease_until: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()


class Report(SQLModel, table=True):
    __tablename__ = "moderation_reports"
    __table_args__ = (
        Index(
            "uq_moderation_reports_reporter_target",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
        ),
        Index("ix_moderation_reports_reporter_id", "reporter_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(sa_column=_user_fk(index=False))
    case_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("moderation_cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    reason: str = Field(max_length=32)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # How many times this reporter reported the target (duplicates merge here).
    times: int = Field(default=1)
    status: str = Field(default=ReportStatus.open.value, max_length=16)
    # What came of it, as the reporter sees it: the action kind, or "no_action".
    outcome: str | None = Field(default=None, max_length=32)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()
    resolved_at: datetime | None = datetime_field()


class ModerationAction(SQLModel, table=True):
    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_author_id", "author_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    case_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("moderation_cases.id", ondelete="SET NULL"), nullable=True
        ),
    )
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    author_id: int = Field(sa_column=_user_fk(index=False))
    moderator_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # hide: the visibility to put back on restore.
    previous_visibility: str | None = Field(default=None, max_length=16)
    # restore / reinstate / an overturning appeal: the action this one undoes.
    reverts_id: int | None = Field(default=None)
    # suspend: when the suspension ends by itself.
    expires_at: datetime | None = datetime_field()
    # Set when a later action (restore, reinstate, an appeal, the expiry) undid this one.
    reverted_at: datetime | None = datetime_field()
    # remove of a video under legal hold: where its bytes were kept.
    kept_storage: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = created_at_field()


class Appeal(SQLModel, table=True):
    __tablename__ = "moderation_appeals"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("moderation_actions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,  # one appeal per action
        )
    )
    appellant_id: int = Field(sa_column=_user_fk())
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=AppealStatus.open.value, max_length=16)
    decided_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = created_at_field()
    decided_at: datetime | None = datetime_field()


class ModelVerdict(SQLModel, table=True):
    """What a moderation model said about one piece of content (every verdict but
    those of the pass-through ``none``), with the model's name and version."""

    __tablename__ = "moderation_verdicts"
    __table_args__ = (
        Index("ix_moderation_verdicts_target", "target_type", "target_id", "id"),
        Index("ix_moderation_verdicts_author_id", "author_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    target_type: str = Field(max_length=32)
    # None: content refused at submit time, never stored.
    target_id: str | None = Field(default=None, max_length=64)
    author_id: int = Field(sa_column=_user_fk(index=False))
    verdict: str = Field(max_length=16)  # allow, hold, reject
    score: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    model: str = Field(max_length=64)
    model_version: str = Field(default="", max_length=64)
    # A hold: the review item it opened and the hold action (undone on release).
    case_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("moderation_cases.id", ondelete="SET NULL"), nullable=True
        ),
    )
    action_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("moderation_actions.id", ondelete="SET NULL"), nullable=True
        ),
    )
    created_at: datetime = created_at_field()


class ReportMessage(SQLModel, table=True):
    """One message on a report, between its reporter and the moderators.

    ``from_moderator`` says which side wrote it; ``author_id`` is kept for the
    moderators and the audit log, never shown to the reporter.
    """

    __tablename__ = "moderation_report_messages"
    __table_args__ = (Index("ix_moderation_report_messages_report_id", "report_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("moderation_reports.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    from_moderator: bool = Field(default=False)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = created_at_field()


class SignupBlockKind(StrEnum):
    domain = "domain"  # an email domain and its subdomains
    cidr = "cidr"  # an IP network (a single address is a /32 or /128)


class SignupBlock(SQLModel, table=True):
    """A sign-up refusal rule an admin set: an email domain or an IP network."""

    __tablename__ = "moderation_signup_blocks"
    __table_args__ = (Index("uq_moderation_signup_blocks_value", "kind", "value", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    # Normalized: a lower-case ASCII (IDNA) domain, or a network in CIDR notation.
    value: str = Field(max_length=255)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()


class RuntimeSettingValue(SQLModel, table=True):
    """A value an admin set for a runtime-changeable setting (``moderation.premoderation``).

    One row per setting that differs from the file; removing the row returns
    the setting to the file's value. The value is JSON as the settings model
    validates it.
    """

    __tablename__ = "moderation_runtime_settings"

    key: str = Field(primary_key=True, max_length=120)
    value: Any = Field(sa_column=Column(JSON, nullable=True))
    updated_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    updated_at: datetime = created_at_field()
