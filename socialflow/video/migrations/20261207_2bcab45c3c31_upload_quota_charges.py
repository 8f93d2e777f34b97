"""upload quota charges: what each tus upload declared, for the daily byte quota

Revision ID: 2bcab45c3c31
Revises: 1bd67c7e23d1
Create Date: 2026-12-07 02:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import socialflow.core.db.base

revision: str = "2bcab45c3c31"
down_revision: str | Sequence[str] | None = "1bd67c7e23d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "video_upload_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("video_upload_charges", schema=None) as batch_op:
        batch_op.create_index("ix_video_upload_charges_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_video_upload_charges_owner_created", ["owner_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("video_upload_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_video_upload_charges_owner_created")
        batch_op.drop_index("ix_video_upload_charges_created_at")

    op.drop_table("video_upload_charges")
