"""live: subscriber-only chat mode per stream

Revision ID: 9b3d5f7a1c2e
Revises: 4c6a1e8d2f90
Create Date: 2026-12-07 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3d5f7a1c2e"
down_revision: str | Sequence[str] | None = "4c6a1e8d2f90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite takes it with a constant default): existing streams get false.
    op.add_column(
        "live_streams",
        sa.Column("chat_subscribers_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("chat_subscribers_only")
