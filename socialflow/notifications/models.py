"""Notifications: one row per thing that happened to a user (someone followed,
liked, commented, replied, mentioned, shared; or a kind an app added, such as
a live stream starting or a moderation decision, with its ``text`` and ``data``).

Rows are written in the same transaction as the action they report (see
``socialflow.notifications.inbox``). ``dedup_key`` names what the
notification is about (``liked:<actor>:<post>``, ``comment:<comment>``...);
the unique index on ``(recipient_id, dedup_key)`` lets the writer
insert-or-ignore, so liking, unliking and liking again, or a redelivered
action, never creates a second notification. Listing pages by
``(recipient_id, id)`` newest first, which the second index serves.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class NotificationKind(StrEnum):
    followed = "followed"
    follow_requested = "follow_requested"
    follow_approved = "follow_approved"
    liked = "liked"
    commented = "commented"
    replied = "replied"
    mentioned = "mentioned"
    shared = "shared"


def _fk(target: str, *, nullable: bool = False) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


class Notification(SQLModel, table=True):
    """``actor_id`` did ``kind`` to ``recipient_id`` (about ``post_id`` / ``comment_id``).

    ``actor_id`` is empty for what the platform itself tells the user (a
    moderation decision); ``text`` and ``data`` are set for the kinds apps add.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
        Index("uq_notifications_recipient_dedup", "recipient_id", "dedup_key", unique=True),
        # Deleting a user cascades to the notifications they caused.
        Index("ix_notifications_actor_id", "actor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(sa_column=_fk("users.id"))
    actor_id: int | None = Field(default=None, sa_column=_fk("users.id", nullable=True))
    kind: str = Field(max_length=32, nullable=False)
    post_id: int | None = Field(default=None, sa_column=_fk("posts.id", nullable=True))
    comment_id: int | None = Field(default=None, sa_column=_fk("comments.id", nullable=True))
    dedup_key: str = Field(sa_column=Column(String(64), nullable=False))
    text: str | None = Field(default=None, sa_column=Column(String(280), nullable=True))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = created_at_field()
    read_at: datetime | None = datetime_field()
