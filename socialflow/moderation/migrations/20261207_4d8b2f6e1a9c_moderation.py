"""moderation: cases, reports, actions and appeals (an app branch of its own)

Revision ID: 4d8b2f6e1a9c
Revises:
Create Date: 2026-12-07 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "4d8b2f6e1a9c"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("moderation",)
depends_on: str | Sequence[str] | None = "5e1f0c2a9b7d"


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "moderation_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", _str(32), nullable=False),
        sa.Column("target_id", _str(64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("lease_until", utc, nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("updated_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["claimed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_moderation_cases_author_id"), "moderation_cases", ["author_id"], unique=False
    )
    op.create_index(
        "ix_moderation_cases_status", "moderation_cases", ["status", "id"], unique=False
    )
    op.create_index(
        "uq_moderation_cases_target", "moderation_cases", ["target_type", "target_id"], unique=True
    )
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _str(16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("target_type", _str(32), nullable=False),
        sa.Column("target_id", _str(64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_visibility", _str(16), nullable=True),
        sa.Column("reverts_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", utc, nullable=True),
        sa.Column("reverted_at", utc, nullable=True),
        sa.Column("kept_storage", sa.JSON(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["moderation_cases.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["moderator_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_moderation_actions_author_id", "moderation_actions", ["author_id", "id"], unique=False
    )
    op.create_table(
        "moderation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("target_type", _str(32), nullable=False),
        sa.Column("target_id", _str(64), nullable=False),
        sa.Column("reason", _str(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("outcome", _str(32), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("updated_at", utc, nullable=True),
        sa.Column("resolved_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["moderation_cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_moderation_reports_case_id"), "moderation_reports", ["case_id"], unique=False
    )
    op.create_index(
        "ix_moderation_reports_reporter_id",
        "moderation_reports",
        ["reporter_id", "id"],
        unique=False,
    )
    op.create_index(
        "uq_moderation_reports_reporter_target",
        "moderation_reports",
        ["reporter_id", "target_type", "target_id"],
        unique=True,
    )
    op.create_table(
        "moderation_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("appellant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("decided_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["moderation_actions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["appellant_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id"),
    )
    op.create_index(
        op.f("ix_moderation_appeals_appellant_id"),
        "moderation_appeals",
        ["appellant_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("moderation_appeals")
    op.drop_table("moderation_reports")
    op.drop_table("moderation_actions")
    op.drop_table("moderation_cases")
