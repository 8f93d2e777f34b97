"""moderation: blocks of email domains and IP networks at sign-up (moderation_signup_blocks)

Revision ID: c94a2e7f1b36
Revises: b71e4c9a3d52
Create Date: 2026-12-07 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "c94a2e7f1b36"
down_revision: str | Sequence[str] | None = "b71e4c9a3d52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "moderation_signup_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("updated_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_moderation_signup_blocks_value",
        "moderation_signup_blocks",
        ["kind", "value"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_moderation_signup_blocks_value", table_name="moderation_signup_blocks")
    op.drop_table("moderation_signup_blocks")
