"""users.birth_date: a private, optional date of birth

Revision ID: b7d3e5a9c1f4
Revises: 8c4e1f2a6b7d
Create Date: 2026-12-07 15:10:00.000000

Set by the user on their own account and shown only to them; age-gated
features (ads with a minimum viewer age) read an age from it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d3e5a9c1f4"
down_revision: str | Sequence[str] | None = "8c4e1f2a6b7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("birth_date")
