"""analytics: raw events and their hourly and daily rollups (an app branch of its own)

Revision ID: 9b4d2e6f1a3c
Revises:
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "9b4d2e6f1a3c"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = "5e1f0c2a9b7d"


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime()
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", utc, nullable=False),
        sa.Column("rolled", sa.Boolean(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("video_id", text(length=32), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("viewer_key", text(length=64), nullable=True),
        sa.Column("new_view", sa.Boolean(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("position", sa.Float(), nullable=True),
        sa.Column("source", text(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analytics_events_occurred_at", "analytics_events", ["occurred_at"])
    op.create_index("ix_analytics_events_rolled_id", "analytics_events", ["rolled", "id"])
    op.create_table(
        "analytics_creator_hours",
        sa.Column("creator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hour", utc, nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("unlikes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("follows_gained", sa.Integer(), nullable=False),
        sa.Column("follows_lost", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("creator_id", "hour"),
    )
    op.create_table(
        "analytics_video_hours",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("hour", utc, nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "hour"),
    )
    op.create_index("ix_analytics_video_hours_creator_id", "analytics_video_hours", ["creator_id"])
    op.create_table(
        "analytics_video_sources",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "day", "source"),
    )
    op.create_table(
        "analytics_video_dropoffs",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("second", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "day", "second"),
    )
    op.create_table(
        "analytics_active_users",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id"),
    )
    op.create_table(
        "analytics_platform_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("uploads", sa.Integer(), nullable=False),
        sa.Column("signups", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    for table in (
        "analytics_platform_days",
        "analytics_active_users",
        "analytics_video_dropoffs",
        "analytics_video_sources",
        "analytics_video_hours",
        "analytics_creator_hours",
    ):
        op.drop_table(table)
    op.drop_index("ix_analytics_events_rolled_id", table_name="analytics_events")
    op.drop_index("ix_analytics_events_occurred_at", table_name="analytics_events")
    op.drop_table("analytics_events")
