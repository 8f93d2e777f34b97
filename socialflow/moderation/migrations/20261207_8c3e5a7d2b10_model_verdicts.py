"""moderation: the verdicts of moderation models (moderation_verdicts)

Revision ID: 8c3e5a7d2b10
Revises: 4d8b2f6e1a9c
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "8c3e5a7d2b10"
down_revision: str | Sequence[str] | None = "4d8b2f6e1a9c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "moderation_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", _str(32), nullable=False),
        sa.Column("target_id", _str(64), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("verdict", _str(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("model", _str(64), nullable=False),
        sa.Column("model_version", _str(64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["moderation_cases.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["action_id"], ["moderation_actions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_moderation_verdicts_target",
        "moderation_verdicts",
        ["target_type", "target_id", "id"],
    )
    op.create_index("ix_moderation_verdicts_author_id", "moderation_verdicts", ["author_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_moderation_verdicts_author_id", table_name="moderation_verdicts")
    op.drop_index("ix_moderation_verdicts_target", table_name="moderation_verdicts")
    op.drop_table("moderation_verdicts")
