"""live: streams, their broadcasts, viewers and chat (an app branch of its own)

Revision ID: 4c6a1e8d2f90
Revises:
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import socialflow.core.db.base

revision: str = "4c6a1e8d2f90"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("live",)
depends_on: str | Sequence[str] | None = "5e1f0c2a9b7d"


def upgrade() -> None:
    utc = socialflow.core.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "live_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("replay", sa.Boolean(), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("scheduled_at", utc, nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("ingest_url", sa.String(length=2048), nullable=False),
        sa.Column("playback_url", sa.String(length=2048), nullable=False),
        sa.Column("viewer_count", sa.Integer(), nullable=False),
        sa.Column("peak_viewers", sa.Integer(), nullable=False),
        sa.Column("total_viewers", sa.Integer(), nullable=False),
        sa.Column("recording_video_id", sa.String(length=32), nullable=True),
        sa.Column("chat_slow_mode_seconds", sa.Integer(), nullable=False),
        sa.Column("chat_followers_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("started_at", utc, nullable=True),
        sa.Column("ended_at", utc, nullable=True),
        sa.Column("key_rotated_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_video_id"], ["videos.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "channel_ref"),
    )
    with op.batch_alter_table("live_streams", schema=None) as batch_op:
        batch_op.create_index("ix_live_streams_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_live_streams_owner_id_id", ["owner_id", "id"], unique=False)
    op.create_table(
        "live_broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("broadcast_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("started_at", utc, nullable=True),
        sa.Column("ended_at", utc, nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("recording_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["stream_id"], ["live_streams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stream_id", "broadcast_ref"),
    )
    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_broadcasts_stream_id"), ["stream_id"], unique=False
        )
    op.create_table(
        "live_viewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("connections", sa.Integer(), nullable=False),
        sa.Column("joined_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["stream_id"], ["live_streams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stream_id", "user_id"),
    )
    with op.batch_alter_table("live_viewers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_viewers_user_id"), ["user_id"], unique=False)
    op.create_table(
        "live_chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("deleted_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["stream_id"], ["live_streams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("live_chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_live_chat_messages_stream_id_id", ["stream_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_live_chat_messages_stream_user",
            ["stream_id", "user_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_live_chat_messages_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "live_chat_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", utc, nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["stream_id"], ["live_streams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stream_id", "user_id"),
    )
    with op.batch_alter_table("live_chat_bans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_chat_bans_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    for table in ("live_chat_bans", "live_chat_messages"):
        op.drop_table(table)
    with op.batch_alter_table("live_viewers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_viewers_user_id"))
    op.drop_table("live_viewers")
    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_broadcasts_stream_id"))
    op.drop_table("live_broadcasts")
    with op.batch_alter_table("live_streams", schema=None) as batch_op:
        batch_op.drop_index("ix_live_streams_owner_id_id")
        batch_op.drop_index("ix_live_streams_status_id")
    op.drop_table("live_streams")
