"""recommendations: the day-partitioned impression and engagement log (an app branch of its own)

Revision ID: 4c7e1a9d2b60
Revises:
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import socialflow.core.db.base

revision: str = "4c7e1a9d2b60"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("recommendations",)
depends_on: str | Sequence[str] | None = "5e1f0c2a9b7d"


def upgrade() -> None:
    op.create_table(
        "rec_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", socialflow.core.db.base.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("surface", sa.String(length=16), nullable=True),
        sa.Column("position", sa.SmallInteger(), nullable=True),
        sa.Column("ranker", sa.String(length=32), nullable=True),
        sa.Column("watch_ratio", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rec_events_day", "rec_events", ["day"])
    op.create_index("ix_rec_events_user_day", "rec_events", ["user_id", "day"])
    op.create_index("ix_rec_events_post", "rec_events", ["post_id"])


def downgrade() -> None:
    op.drop_index("ix_rec_events_post", table_name="rec_events")
    op.drop_index("ix_rec_events_user_day", table_name="rec_events")
    op.drop_index("ix_rec_events_day", table_name="rec_events")
    op.drop_table("rec_events")
