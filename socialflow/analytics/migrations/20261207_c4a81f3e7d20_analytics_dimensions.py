"""analytics: countries, regions and user agents of views; live stream audiences

Revision ID: c4a81f3e7d20
Revises: 9b4d2e6f1a3c
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "c4a81f3e7d20"
down_revision: str | Sequence[str] | None = "9b4d2e6f1a3c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime()
    text = sqlmodel.sql.sqltypes.AutoString
    # Plain ADD COLUMN (no batch copy): SQLite does it in place, and --sql needs no table.
    op.add_column("analytics_events", sa.Column("country", text(length=2), nullable=True))
    op.add_column("analytics_events", sa.Column("region", text(length=16), nullable=True))
    op.add_column("analytics_events", sa.Column("user_agent", text(length=256), nullable=True))
    op.add_column("analytics_events", sa.Column("stream_id", sa.Integer(), nullable=True))
    op.add_column("analytics_events", sa.Column("live_viewers", sa.Integer(), nullable=True))
    op.add_column("analytics_events", sa.Column("live_total", sa.Integer(), nullable=True))
    op.create_table(
        "analytics_video_geo",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "day", "country", "region"),
    )
    op.create_index(
        "ix_analytics_video_geo_creator_day", "analytics_video_geo", ["creator_id", "day"]
    )
    op.create_table(
        "analytics_video_agents",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("os", sa.String(length=32), nullable=False),
        sa.Column("browser", sa.String(length=32), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "day", "device", "os", "browser"),
    )
    op.create_index(
        "ix_analytics_video_agents_creator_day", "analytics_video_agents", ["creator_id", "day"]
    )
    op.create_table(
        "analytics_live_hours",
        sa.Column("stream_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hour", utc, nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("peak_viewers", sa.Integer(), nullable=False),
        sa.Column("peak_at", utc, nullable=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("total_viewers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", "hour"),
    )
    op.create_index(
        "ix_analytics_live_hours_creator_hour", "analytics_live_hours", ["creator_id", "hour"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_live_hours_creator_hour", table_name="analytics_live_hours")
    op.drop_table("analytics_live_hours")
    op.drop_index("ix_analytics_video_agents_creator_day", table_name="analytics_video_agents")
    op.drop_table("analytics_video_agents")
    op.drop_index("ix_analytics_video_geo_creator_day", table_name="analytics_video_geo")
    op.drop_table("analytics_video_geo")
    with op.batch_alter_table("analytics_events") as batch:
        for name in ("live_total", "live_viewers", "stream_id", "user_agent", "region", "country"):
            batch.drop_column(name)
