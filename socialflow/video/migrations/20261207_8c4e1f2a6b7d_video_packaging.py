"""video packaging and management: CMAF/DASH outputs, thumbnail candidates,
reprocessing in place, source replacement, deletion with a grace period

Revision ID: 8c4e1f2a6b7d
Revises: 8e2c4a6b1d35
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import socialflow.core.db.base

revision: str = "8c4e1f2a6b7d"
down_revision: str | Sequence[str] | None = "8e2c4a6b1d35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing videos keep NULL packaging: they are HLS with MPEG-TS segments,
    # and ``socialflow videos reprocess --missing-dash`` repackages them.
    # Plain ADD COLUMN (no batch copy): SQLite does it in place, and --sql needs no table.
    op.add_column("videos", sa.Column("packaging", sa.String(length=16), nullable=True))
    op.add_column("videos", sa.Column("audio_track", sa.JSON(), nullable=True))
    op.add_column("videos", sa.Column("replacement_upload_id", sa.String(length=32), nullable=True))
    op.add_column("videos", sa.Column("thumbnail_candidates", sa.JSON(), nullable=True))
    op.add_column("videos", sa.Column("thumbnail_choice", sa.Integer(), nullable=True))
    op.add_column(
        "videos", sa.Column("reprocessing", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "videos",
        sa.Column("deleted_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_videos_deleted_at", "videos", ["deleted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_videos_deleted_at"))
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("reprocessing")
        batch_op.drop_column("thumbnail_choice")
        batch_op.drop_column("thumbnail_candidates")
        batch_op.drop_column("replacement_upload_id")
        batch_op.drop_column("audio_track")
        batch_op.drop_column("packaging")
