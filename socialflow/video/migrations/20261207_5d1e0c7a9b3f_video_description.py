"""video description: free text an owner can edit next to the title

Revision ID: 5d1e0c7a9b3f
Revises: 2bcab45c3c31
Create Date: 2026-12-07 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e0c7a9b3f"
down_revision: str | Sequence[str] | None = "2bcab45c3c31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing videos get an empty description (the server default fills them).
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("description")
