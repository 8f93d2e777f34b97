"""Videos, their resumable uploads and their views.

A :class:`Video` exists from the moment its tus upload is created (status
``uploading``), so a client can show it at once; the :class:`Upload` row is
the tus state (offset, length, lock), and each accepted PATCH body is an
:class:`UploadChunk` stored as one object in the storage backend. Keeping all
of this in the database, not in process memory or local files, is what lets
an upload survive a server restart and lets many API processes serve it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import UTCDateTime, created_at_field, datetime_field


def new_id() -> str:
    """Random, unguessable ids: a video id in a URL reveals nothing about others."""
    return uuid.uuid4().hex


class VideoStatus(StrEnum):
    uploading = "uploading"
    processing = "processing"
    ready = "ready"
    failed = "failed"
    deleted = "deleted"  # by its owner, restorable until the grace period ends


class Visibility(StrEnum):
    public = "public"
    unlisted = "unlisted"
    private = "private"


class Video(SQLModel, table=True):
    __tablename__ = "videos"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    title: str = Field(default="", max_length=200)
    # Free text under the player (the title is what search finds).
    description: str = Field(
        default="", sa_column=Column(Text, nullable=False, default="", server_default="")
    )
    visibility: str = Field(default=Visibility.public.value, max_length=16, nullable=False)
    status: str = Field(default=VideoStatus.uploading.value, max_length=16, nullable=False)
    progress: int = Field(default=0, nullable=False)
    failure_reason: str | None = Field(default=None, max_length=500)
    # Source as uploaded (composed from the upload's chunks by the media task).
    source_key: str | None = Field(default=None, max_length=255)
    source_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    # A finished tus upload replacing the source: processed while the current outputs
    # play on, it becomes the source in the job's pointer swap.
    replacement_upload_id: str | None = Field(default=None, max_length=32)
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    # The current set of outputs lives under this prefix; a new processing
    # attempt writes a fresh prefix and swaps this pointer, then deletes others.
    hls_prefix: str | None = Field(default=None, max_length=255)
    renditions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    # "hls" (MPEG-TS segments) or "cmaf" (fMP4 segments shared by HLS and DASH).
    packaging: str | None = Field(default=None, max_length=16)
    # CMAF: the audio track every rendition shares ({name, bandwidth, codecs}).
    audio_track: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    thumbnail_key: str | None = Field(default=None, max_length=255)
    # Candidate thumbnail keys made at transcode; the owner's pick (an index) survives reprocessing.
    thumbnail_candidates: list[str] | None = Field(default=None, sa_column=Column(JSON))
    thumbnail_choice: int | None = None
    storyboard_key: str | None = Field(default=None, max_length=255)
    storyboard: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Lease of the processing job: a stale heartbeat means the worker died.
    job_token: str | None = Field(default=None, max_length=32)
    job_heartbeat_at: datetime | None = datetime_field()
    job_attempts: int = Field(default=0, nullable=False)
    # A ready video being processed again: it keeps serving its current outputs meanwhile.
    reprocessing: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, default=False, server_default=false()),
    )
    view_count: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, nullable=False)
    created_at: datetime = created_at_field(index=True)
    updated_at: datetime | None = datetime_field()
    ready_at: datetime | None = datetime_field()
    # Set while a deleted video waits out its grace period (status "deleted").
    deleted_at: datetime | None = datetime_field(index=True)


class Upload(SQLModel, table=True):
    """A tus upload. ``offset`` moves only by compare-and-set, under ``lock_token``."""

    __tablename__ = "video_uploads"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    video_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("videos.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    length: int = Field(sa_column=Column(BigInteger, nullable=False))
    offset: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # The client's Upload-Metadata header as sent, echoed on HEAD.
    metadata_header: str | None = Field(default=None, max_length=4096)
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=100)
    chunk_count: int = Field(default=0, nullable=False)
    lock_token: str | None = Field(default=None, max_length=32)
    locked_until: datetime | None = datetime_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    created_at: datetime = created_at_field()
    completed_at: datetime | None = datetime_field()


class UploadChunk(SQLModel, table=True):
    """One accepted PATCH body: bytes ``offset`` .. ``offset + size`` of the upload."""

    __tablename__ = "video_upload_chunks"
    __table_args__ = (UniqueConstraint("upload_id", "offset"),)

    id: int | None = Field(default=None, primary_key=True)
    upload_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("video_uploads.id", ondelete="CASCADE"), nullable=False
        )
    )
    offset: int = Field(sa_column=Column(BigInteger, nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    key: str = Field(max_length=255)
    created_at: datetime = created_at_field()


class VideoView(SQLModel, table=True):
    """One viewer's view of a video within one dedup window, with watch time."""

    __tablename__ = "video_views"
    __table_args__ = (UniqueConstraint("video_id", "viewer_key", "window"),)

    id: int | None = Field(default=None, primary_key=True)
    video_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("videos.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    viewer_key: str = Field(max_length=64)
    window: int = Field(sa_column=Column(BigInteger, nullable=False))
    watch_seconds: float = Field(default=0.0, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()


class UploadCharge(SQLModel, table=True):
    """What one tus upload charged against its owner's daily byte quota.

    Written when the upload is created, with its declared length, and kept
    for 24 hours whatever becomes of the upload (finished, terminated or
    expired): the daily quota bounds the bytes an account may *declare* per
    rolling day, so ending uploads early does not buy more.
    """

    __tablename__ = "video_upload_charges"
    __table_args__ = (Index("ix_video_upload_charges_owner_created", "owner_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = created_at_field(index=True)
