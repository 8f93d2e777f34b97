"""The social graph: follows, follow requests, blocks and mutes.

Each relation is its own small table keyed by the ordered pair, so "does A
follow B" is one primary-key probe and "B's followers" an index range scan.
Counters on ``users`` (``follower_count``/``following_count``) are kept by
the graph service with atomic ``UPDATE ... SET x = x + 1``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field


def _user_fk(*, primary_key: bool = True) -> Column[int]:
    return Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=primary_key, nullable=False
    )


class Follow(SQLModel, table=True):
    """``follower_id`` follows ``followee_id``."""

    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_followee", "followee_id", "follower_id"),)

    follower_id: int = Field(sa_column=_user_fk())
    followee_id: int = Field(sa_column=_user_fk())
    created_at: datetime = created_at_field()


class FollowRequest(SQLModel, table=True):
    """A pending request to follow a private account; approving turns it into a Follow."""

    __tablename__ = "follow_requests"
    __table_args__ = (Index("ix_follow_requests_target", "target_id", "created_at"),)

    requester_id: int = Field(sa_column=_user_fk())
    target_id: int = Field(sa_column=_user_fk())
    created_at: datetime = created_at_field()


class Block(SQLModel, table=True):
    """``blocker_id`` blocked ``blocked_id``: neither sees the other anywhere."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_blocked", "blocked_id", "blocker_id"),)

    blocker_id: int = Field(sa_column=_user_fk())
    blocked_id: int = Field(sa_column=_user_fk())
    created_at: datetime = created_at_field()


class Mute(SQLModel, table=True):
    """``muter_id`` muted ``muted_id``: the muter stops seeing them; they are not told."""

    __tablename__ = "mutes"

    muter_id: int = Field(sa_column=_user_fk())
    muted_id: int = Field(sa_column=_user_fk())
    created_at: datetime = created_at_field()
