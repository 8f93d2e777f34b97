"""moderation: messages between a reporter and the moderators (moderation_report_messages)

Revision ID: b71e4c9a3d52
Revises: 8c3e5a7d2b10
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import socialflow.core.db.base

revision: str = "b71e4c9a3d52"
down_revision: str | Sequence[str] | None = "8c3e5a7d2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "moderation_report_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("from_moderator", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["moderation_reports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_moderation_report_messages_report_id",
        "moderation_report_messages",
        ["report_id", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_moderation_report_messages_report_id", table_name="moderation_report_messages"
    )
    op.drop_table("moderation_report_messages")
