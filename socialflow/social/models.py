"""Posts and what hangs off them: edits, comments, likes, shares, bookmarks, hashtags.

Counters (``like_count`` ...) live on the post row and change only through
atomic ``UPDATE posts SET like_count = like_count + 1`` guarded by the insert
of the like row itself, so concurrent likes never lose an increment and a
repeated like never counts twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field
from socialflow.video.models import new_id

MAX_POST_LENGTH = 500
MAX_COMMENT_LENGTH = 1000


class Visibility(StrEnum):
    public = "public"
    followers = "followers"
    private = "private"


def _fk(target: str, *, primary_key: bool = False, nullable: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey(target, ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=nullable,
    )


class Post(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_author_id_id", "author_id", "id"),
        Index("ix_posts_visibility_id", "visibility", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(sa_column=_fk("users.id"))
    text: str = Field(sa_column=Column(Text, nullable=False))
    entities: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    visibility: str = Field(default=Visibility.public.value, max_length=16, nullable=False)
    # A post may carry one of its author's videos (any status: clients show
    # progress). Deleting the video leaves the post, without it.
    video_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(32), ForeignKey("videos.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )
    like_count: int = Field(default=0, nullable=False)
    comment_count: int = Field(default=0, nullable=False)
    share_count: int = Field(default=0, nullable=False)
    view_count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = created_at_field()
    edited_at: datetime | None = datetime_field()
    deleted_at: datetime | None = datetime_field()


class PostEdit(SQLModel, table=True):
    """The text a post had before an edit (its history, oldest first by id)."""

    __tablename__ = "post_edits"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(sa_column=_fk("posts.id"))
    text: str = Field(sa_column=Column(Text, nullable=False))
    entities: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()


class PostHashtag(SQLModel, table=True):
    """One hashtag of a post (lower-cased), for hashtag feeds."""

    __tablename__ = "post_hashtags"

    tag: str = Field(sa_column=Column(String(100), primary_key=True, nullable=False))
    post_id: int = Field(sa_column=_fk("posts.id", primary_key=True))


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_parent_id", "post_id", "parent_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(sa_column=_fk("posts.id"))
    author_id: int = Field(sa_column=_fk("users.id"))
    # A reply points at a top-level comment; replies to replies attach to the same root.
    parent_id: int | None = Field(sa_column=_fk("comments.id", nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    reply_count: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = datetime_field()
    # Hidden by a moderator: shown to its author alone until restored.
    hidden_at: datetime | None = datetime_field()


class PostLike(SQLModel, table=True):
    __tablename__ = "post_likes"
    __table_args__ = (Index("ix_post_likes_post", "post_id", "user_id"),)

    user_id: int = Field(sa_column=_fk("users.id", primary_key=True))
    post_id: int = Field(sa_column=_fk("posts.id", primary_key=True))
    created_at: datetime = created_at_field()


class Share(SQLModel, table=True):
    """A repost: ``user_id`` shared ``post_id`` with their followers."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_post", "post_id"),)

    user_id: int = Field(sa_column=_fk("users.id", primary_key=True))
    post_id: int = Field(sa_column=_fk("posts.id", primary_key=True))
    created_at: datetime = created_at_field()


class Bookmark(SQLModel, table=True):
    __tablename__ = "bookmarks"

    user_id: int = Field(sa_column=_fk("users.id", primary_key=True))
    post_id: int = Field(sa_column=_fk("posts.id", primary_key=True))
    created_at: datetime = created_at_field()


# ----------------------------------------------------------------------
# Images uploaded for posts (Mastodon's media attachments, images only).
#
# An image is uploaded first (``POST /media/images``) and belongs to its
# uploader; it is *unattached* (``post_id`` null) until a post of the same
# user takes it. Unattached images older than ``image_unattached_seconds`` are
# deleted by the media sweep, objects included. ``position`` orders a post's
# images. Ids are random and unguessable, like video ids.

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


# ----------------------------------------------------------------------
# Bucketed counters behind trending hashtags and posts.
#
# Each engagement adds one to the counter of its (kind, key, time bucket); a
# window is the sum of the buckets inside it, so reading trending touches only
# the buckets of the window, never the posts.


class TrendingCounter(SQLModel, table=True):
    __tablename__ = "trending_counters"
    __table_args__ = (Index("ix_trending_counters_kind_bucket", "kind", "bucket"),)

    kind: str = Field(sa_column=Column(String(16), primary_key=True, nullable=False))
    key: str = Field(sa_column=Column(String(100), primary_key=True, nullable=False))
    # Start of the bucket in seconds since the epoch, a multiple of the bucket size.
    bucket: int = Field(sa_column=Column(Integer, primary_key=True, nullable=False))
    count: int = Field(default=0, nullable=False)
