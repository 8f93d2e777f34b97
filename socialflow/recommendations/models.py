"""The log table: one compact row per impression or engagement, partitioned by day.

``rec_events`` is append-only. Each row carries its ``day`` (UTC) so the
prune task drops whole days with one indexed ``DELETE`` and readers scan a
window of days (``ix_rec_events_day``) or one viewer's history
(``ix_rec_events_user_day``). No foreign keys: writing stays a plain batched
insert and the rows outlive nothing but their retention.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, Index, SmallInteger, String
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import UTCDateTime

SHOWN = "shown"
WATCHED = "watched"
LIKED = "liked"
SHARED = "shared"
SKIPPED = "skipped"
KINDS = (SHOWN, WATCHED, LIKED, SHARED, SKIPPED)
# What counts as a positive answer to an impression.
POSITIVE = (WATCHED, LIKED, SHARED)


class RecEvent(SQLModel, table=True):
    __tablename__ = "rec_events"
    __table_args__ = (
        Index("ix_rec_events_day", "day"),
        Index("ix_rec_events_user_day", "user_id", "day"),
        Index("ix_rec_events_post", "post_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(sa_column=Column(Date(), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    user_id: int | None = Field(default=None)
    post_id: int = Field(nullable=False)
    author_id: int | None = Field(default=None)
    # Where it was shown (home, explore, hashtag, for_you, similar) and in which position.
    surface: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    position: int | None = Field(default=None, sa_column=Column(SmallInteger(), nullable=True))
    ranker: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    # Share of the video watched (0..1), for ``watched`` and ``skipped``.
    watch_ratio: float | None = Field(default=None, sa_column=Column(Float(), nullable=True))
