"""Live streams and their broadcasts.

A :class:`LiveStream` is what a creator makes: a title, replay on or off,
permanent (reusable, like a channel) or one-off (ended by its first
broadcast's end), an optional scheduled start. It points at one channel of
the streaming provider (``provider`` + ``channel_ref``); the stream key is
never stored here (the owner sees it at creation and at each rotation).

A :class:`LiveBroadcast` is one publishing session the provider reported
(``broadcast_ref``, unique per stream, so reporting it twice changes
nothing); with replay on, its recording becomes an on-demand video.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import created_at_field, datetime_field


class StreamStatus(StrEnum):
    idle = "idle"  # created (maybe scheduled), or between broadcasts of a permanent stream
    live = "live"
    ended = "ended"


class RecordingStatus(StrEnum):
    none = "none"  # replay off, or nothing was received
    pending = "pending"
    ready = "ready"
    failed = "failed"


class LiveStream(SQLModel, table=True):
    __tablename__ = "live_streams"
    __table_args__ = (
        UniqueConstraint("provider", "channel_ref"),
        Index("ix_live_streams_status_id", "status", "id"),
        Index("ix_live_streams_owner_id_id", "owner_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    title: str = Field(max_length=200)
    replay: bool = Field(default=True, nullable=False)
    permanent: bool = Field(default=False, nullable=False)
    scheduled_at: datetime | None = datetime_field()
    status: str = Field(default=StreamStatus.idle.value, max_length=16, nullable=False)
    provider: str = Field(max_length=64)
    channel_ref: str = Field(max_length=128)
    ingest_url: str = Field(sa_column=Column(String(2048), nullable=False))
    playback_url: str = Field(sa_column=Column(String(2048), nullable=False))
    viewer_count: int = Field(default=0, nullable=False)
    peak_viewers: int = Field(default=0, nullable=False)
    total_viewers: int = Field(default=0, nullable=False)
    recording_video_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("videos.id", ondelete="SET NULL"), nullable=True),
    )
    # Chat moderation: seconds between two messages of one viewer (0: off), followers only.
    chat_slow_mode_seconds: int = Field(default=0, nullable=False)
    chat_followers_only: bool = Field(default=False, nullable=False)
    chat_subscribers_only: bool = Field(default=False, nullable=False)
    # Who may watch: "public" (as the owner's videos), or an audience an app added
    # ("subscribers", the payments app); the recordings get the same visibility.
    visibility: str = Field(default="public", max_length=32, nullable=False)
    # standard | low: how the provider cuts the HLS of the stream's broadcasts to come.
    latency_mode: str = Field(default="standard", max_length=16, nullable=False)
    created_at: datetime = created_at_field()
    started_at: datetime | None = datetime_field()
    ended_at: datetime | None = datetime_field()
    key_rotated_at: datetime | None = datetime_field()


class LiveBroadcast(SQLModel, table=True):
    __tablename__ = "live_broadcasts"
    __table_args__ = (UniqueConstraint("stream_id", "broadcast_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("live_streams.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    broadcast_ref: str = Field(max_length=128)
    started_at: datetime | None = datetime_field()
    ended_at: datetime | None = datetime_field()
    duration: float | None = None
    recording_status: str = Field(default=RecordingStatus.none.value, max_length=16)
    video_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("videos.id", ondelete="SET NULL"), nullable=True),
    )


class LiveViewer(SQLModel, table=True):
    """A signed-in user who watched a stream: ``connections`` open now (0: gone).

    One row per user and stream, whatever the devices: a viewer on a phone and
    a laptop counts once. Rows with open connections make ``viewer_count``;
    all rows make ``total_viewers``.
    """

    __tablename__ = "live_viewers"
    __table_args__ = (UniqueConstraint("stream_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("live_streams.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    connections: int = Field(default=0, nullable=False)
    joined_at: datetime = created_at_field()


class LiveChatMessage(SQLModel, table=True):
    """A chat message on a stream; ``deleted_at`` once its stream's owner removed it."""

    __tablename__ = "live_chat_messages"
    __table_args__ = (
        Index("ix_live_chat_messages_stream_id_id", "stream_id", "id"),
        Index("ix_live_chat_messages_stream_user", "stream_id", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("live_streams.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(max_length=500)
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = datetime_field()


class LiveChatBan(SQLModel, table=True):
    """A viewer kept out of a stream's chat: until ``until`` (a timeout), or for good (None)."""

    __tablename__ = "live_chat_bans"
    __table_args__ = (UniqueConstraint("stream_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(
        sa_column=Column(Integer, ForeignKey("live_streams.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    until: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
