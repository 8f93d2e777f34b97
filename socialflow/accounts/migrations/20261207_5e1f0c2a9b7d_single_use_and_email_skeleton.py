"""single-use tokens and email skeletons

Revision ID: 5e1f0c2a9b7d
Revises: 5d1e0c7a9b3f
Create Date: 2026-12-07 02:50:00.000000

``consumed_tokens`` records used stateless tokens (mailed links, OAuth
state) so that a second use fails atomically; ``users.email_skeleton`` keeps
lookalike addresses apart. Existing addresses get their skeleton here; if two
existing accounts already share one, the later keeps none (no new lookalike
can join them either way). In offline (``--sql``) mode no skeletons are
written: the check also compares a new address's skeleton with the plain
addresses, which covers ASCII originals.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import socialflow.core.db.base

revision: str = "5e1f0c2a9b7d"
down_revision: str | Sequence[str] | None = "5d1e0c7a9b3f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from socialflow.accounts.users import email_skeleton

    op.create_table(
        "consumed_tokens",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column(
            "consumed_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("expires_at", socialflow.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_consumed_tokens_expires_at"), "consumed_tokens", ["expires_at"], unique=False
    )
    op.add_column("users", sa.Column("email_skeleton", sa.String(length=254), nullable=True))
    op.create_index("uq_users_email_skeleton", "users", ["email_skeleton"], unique=True)
    if context.is_offline_mode():
        return  # skeletons are computed in Python; the lookalike check copes without them
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    skeletons = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("email_skeleton", sa.String)
    )
    connection = op.get_bind()
    seen: set[str] = set()
    for user_id, email in connection.execute(
        sa.select(users.c.id, users.c.email).order_by(users.c.id)
    ):
        skeleton = email_skeleton(email)
        if skeleton in seen:
            continue
        seen.add(skeleton)
        connection.execute(
            skeletons.update().where(skeletons.c.id == user_id).values(email_skeleton=skeleton)
        )


def downgrade() -> None:
    op.drop_index("uq_users_email_skeleton", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_skeleton")
    op.drop_index(op.f("ix_consumed_tokens_expires_at"), table_name="consumed_tokens")
    op.drop_table("consumed_tokens")
