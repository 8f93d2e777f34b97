"""ad_campaigns.min_age: a minimum viewer age for a campaign

Revision ID: e2a9c4f6b8d1
Revises: 7a3e9c51d2b8
Create Date: 2026-12-07 15:10:00.000000

Null: no age gate. Serving reads the viewer's age from the accounts app's
private ``users.birth_date`` (hence the dependency on its revision).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2a9c4f6b8d1"
down_revision: str | Sequence[str] | None = "7a3e9c51d2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "b7d3e5a9c1f4"


def upgrade() -> None:
    op.add_column("ad_campaigns", sa.Column("min_age", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ad_campaigns") as batch:
        batch.drop_column("min_age")
