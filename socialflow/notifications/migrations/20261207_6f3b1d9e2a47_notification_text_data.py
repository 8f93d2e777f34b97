"""notifications an app adds: text, data, and no actor for the platform's own

Revision ID: 6f3b1d9e2a47
Revises: 924ac2e4b604
Create Date: 2026-12-07 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "6f3b1d9e2a47"
down_revision: str | Sequence[str] | None = "924ac2e4b604"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table_before() -> sa.Table:
    """The table as 014b85a8a502 made it: SQLite's batch copy needs it in offline (--sql)
    mode, where there is no database to read it from."""
    return sa.Table(
        "notifications",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"], ondelete="CASCADE"),
        sa.Index("ix_notifications_actor_id", "actor_id"),
        sa.Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
        sa.Index("uq_notifications_recipient_dedup", "recipient_id", "dedup_key", unique=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None, copy_from=_table_before()) as batch_op:
        batch_op.add_column(sa.Column("text", sa.String(length=280), nullable=True))
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
        batch_op.alter_column("actor_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Notifications from the platform itself have no actor: they cannot stay.
    op.execute("DELETE FROM notifications WHERE actor_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("data")
        batch_op.drop_column("text")
