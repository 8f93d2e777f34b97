"""The home-timeline store on SQL (Redis sorted sets replace it when configured).

One row per (viewer, post) written by fan-out; ``author_id`` lets an unfollow
remove that author's entries in one statement.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel


class TimelineEntry(SQLModel, table=True):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_user_author", "user_id", "author_id"),)

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    # Newest first by post id: ids grow with time, so the id is the sort key and cursor.
    post_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    author_id: int = Field(nullable=False)
