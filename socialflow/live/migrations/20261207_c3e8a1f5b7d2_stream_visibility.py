"""live: a stream's visibility (public, or an audience such as subscribers)

Revision ID: c3e8a1f5b7d2
Revises: 9b3d5f7a1c2e
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e8a1f5b7d2"
down_revision: str | Sequence[str] | None = "9b3d5f7a1c2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: existing streams stay public.
    op.add_column(
        "live_streams",
        sa.Column("visibility", sa.String(length=32), nullable=False, server_default="public"),
    )


def downgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("visibility")
