"""comments hidden by a moderator (shown to their author alone)

Revision ID: 8e2c4a6b1d35
Revises: 6f3b1d9e2a47
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import socialflow.core.db.base

revision: str = "8e2c4a6b1d35"
down_revision: str | Sequence[str] | None = "6f3b1d9e2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite does it in place, and --sql needs no table.
    op.add_column(
        "comments",
        sa.Column("hidden_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")
