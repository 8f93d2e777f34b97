"""Images uploaded for posts (Mastodon's media attachments, images only).

An image is uploaded first (``POST /media/images``) and belongs to its
uploader; it is *unattached* (``post_id`` null) until a post of the same
user takes it. Unattached images older than ``image_unattached_seconds`` are
deleted by the media sweep, objects included. ``position`` orders a post's
images. Ids are random and unguessable, like video ids.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from socialflow.models.base import created_at_field
from socialflow.models.video import new_id

MAX_ALT_LENGTH = 1500


class MediaImage(SQLModel, table=True):
    __tablename__ = "media_images"
    __table_args__ = (
        Index("ix_media_images_post_position", "post_id", "position"),
        Index("ix_media_images_owner_created", "owner_id", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    # Null while unattached. A hard-deleted post leaves its images unattached,
    # so the sweep removes their objects too (a cascade would orphan them).
    post_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("posts.id", ondelete="SET NULL"), nullable=True),
    )
    position: int = Field(default=0, nullable=False)
    storage_key: str = Field(max_length=255, nullable=False)
    thumbnail_key: str = Field(max_length=255, nullable=False)
    content_type: str = Field(max_length=32, nullable=False)
    width: int = Field(nullable=False)
    height: int = Field(nullable=False)
    thumbnail_width: int = Field(nullable=False)
    thumbnail_height: int = Field(nullable=False)
    size: int = Field(nullable=False)
    alt: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = created_at_field()
