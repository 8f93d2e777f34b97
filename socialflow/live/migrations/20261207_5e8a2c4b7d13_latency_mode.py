"""live: latency mode per stream

Revision ID: 5e8a2c4b7d13
Revises: c3e8a1f5b7d2
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e8a2c4b7d13"
down_revision: str | Sequence[str] | None = "c3e8a1f5b7d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite takes it with a constant default): existing streams are standard.
    op.add_column(
        "live_streams",
        sa.Column("latency_mode", sa.String(length=16), nullable=False, server_default="standard"),
    )


def downgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("latency_mode")
