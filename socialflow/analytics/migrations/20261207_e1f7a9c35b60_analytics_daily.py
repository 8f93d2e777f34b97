"""analytics: creator and video rows per day (summed from the hours), dashboard indexes

Revision ID: e1f7a9c35b60
Revises: c4a81f3e7d20
Create Date: 2026-12-07 15:00:00
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "e1f7a9c35b60"
down_revision: str | Sequence[str] | None = "c4a81f3e7d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATOR_COUNTERS = (
    "views",
    "watch_seconds",
    "likes",
    "unlikes",
    "comments",
    "shares",
    "follows_gained",
    "follows_lost",
)
VIDEO_COUNTERS = ("views", "viewers", "watch_seconds")


def _day(hour: Any) -> date:
    """The UTC day of an hour as stored (SQLite: naive UTC, or its text form)."""
    if isinstance(hour, str):
        hour = datetime.fromisoformat(hour)
    if hour.tzinfo is not None:
        hour = hour.astimezone(UTC)
    return date(hour.year, hour.month, hour.day)


def _backfill(source: str, target: sa.Table, key: str, counters: Sequence[str]) -> None:
    """Sum the existing hourly rows of ``source`` per ``key`` and day into ``target``."""
    bind = op.get_bind()
    extra = ", creator_id" if key == "video_id" else ""
    found = bind.execute(
        sa.text(
            f"SELECT {key}, hour{extra}, {', '.join(counters)} FROM {source}"  # noqa: S608
        )
    )
    sums: dict[tuple[Any, date], dict[str, Any]] = defaultdict(dict)
    for row in found:
        values = list(row)
        ident, hour = values[0], values[1]
        creator = values[2] if extra else None
        numbers = values[3:] if extra else values[2:]
        bucket = sums[(ident, _day(hour))]
        if creator is not None:
            bucket["creator_id"] = creator
        for name, value in zip(counters, numbers, strict=True):
            bucket[name] = bucket.get(name, 0) + (value or 0)
    rows = [{key: ident, "day": day, **values} for (ident, day), values in sums.items()]
    for start in range(0, len(rows), 5000):
        bind.execute(sa.insert(target), rows[start : start + 5000])


def upgrade() -> None:
    creator_days = op.create_table(
        "analytics_creator_days",
        sa.Column("creator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("unlikes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("follows_gained", sa.Integer(), nullable=False),
        sa.Column("follows_lost", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("creator_id", "day"),
    )
    video_days = op.create_table(
        "analytics_video_days",
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("video_id", "day"),
    )
    op.create_index(
        "ix_analytics_video_days_creator_day",
        "analytics_video_days",
        ["creator_id", "day", "video_id", "views", "watch_seconds"],
    )
    op.create_index(
        "ix_analytics_video_hours_creator_hour", "analytics_video_hours", ["creator_id", "hour"]
    )
    op.create_index("ix_analytics_video_hours_hour", "analytics_video_hours", ["hour"])
    op.create_index("ix_analytics_creator_hours_hour", "analytics_creator_hours", ["hour"])
    if not context.is_offline_mode():
        # Existing hours get their days now (later rollups keep them up to date).
        assert creator_days is not None
        assert video_days is not None
        _backfill("analytics_creator_hours", creator_days, "creator_id", CREATOR_COUNTERS)
        _backfill("analytics_video_hours", video_days, "video_id", VIDEO_COUNTERS)


def downgrade() -> None:
    op.drop_index("ix_analytics_creator_hours_hour", table_name="analytics_creator_hours")
    op.drop_index("ix_analytics_video_hours_hour", table_name="analytics_video_hours")
    op.drop_index("ix_analytics_video_hours_creator_hour", table_name="analytics_video_hours")
    op.drop_index("ix_analytics_video_days_creator_day", table_name="analytics_video_days")
    op.drop_table("analytics_video_days")
    op.drop_table("analytics_creator_days")
