"""Analytics tables: raw events, and the rollups computed from them.

``analytics_events`` holds one row per domain event worth counting (a view
beacon, a like, a follow...), written in the transaction of the action itself
(:mod:`socialflow.analytics.capture`). Rows carry no foreign keys on purpose:
writing them must stay a plain insert, and they outlive nothing (the sweep
deletes them after ``raw_retention_days``). ``rolled`` is false until a
rollup has counted the row's hour.

The rollup tables are recomputed whole for an hour (or a day) from the raw
events of that hour (day), so running a rollup twice gives the same numbers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, Index, Integer, String
from sqlmodel import Field, SQLModel

from socialflow.core.db.base import UTCDateTime


class AnalyticsEvent(SQLModel, table=True):
    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_occurred_at", "occurred_at"),
        # The rollup's work list: rows not yet counted.
        Index("ix_analytics_events_rolled_id", "rolled", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    rolled: bool = Field(default=False, nullable=False)
    # Whose content or account the event counts for (a video's owner, a post's author,
    # the followed user).
    creator_id: int | None = Field(default=None)
    # The signed-in user who acted (for active-user counts), if any.
    actor_id: int | None = Field(default=None)
    video_id: str | None = Field(default=None, max_length=32)
    post_id: int | None = Field(default=None)
    # The video app's keyed viewer hash (one per viewer and view window).
    viewer_key: str | None = Field(default=None, max_length=64)
    new_view: bool = Field(default=False, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    position: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    source: str | None = Field(default=None, max_length=16)
    # Where and on what a view was watched: the country (ISO 3166-1 alpha-2) and region
    # a trusted proxy named, and the User-Agent as sent (parsed by the rollup).
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=16)
    user_agent: str | None = Field(default=None, max_length=256)
    # A live stream's viewer change: the stream, who watch now and who ever watched it.
    stream_id: int | None = Field(default=None)
    live_viewers: int | None = Field(default=None)
    live_total: int | None = Field(default=None)


class CreatorHour(SQLModel, table=True):
    """What happened to one creator's content and audience in one hour."""

    __tablename__ = "analytics_creator_hours"
    # A rollup replaces and sums one hour (one day) of every creator's rows.
    __table_args__ = (Index("ix_analytics_creator_hours_hour", "hour"),)

    creator_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    views: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    likes: int = Field(default=0, nullable=False)
    unlikes: int = Field(default=0, nullable=False)
    comments: int = Field(default=0, nullable=False)
    shares: int = Field(default=0, nullable=False)
    follows_gained: int = Field(default=0, nullable=False)
    follows_lost: int = Field(default=0, nullable=False)


class VideoHour(SQLModel, table=True):
    """One video's views, distinct viewers and watch time in one hour."""

    __tablename__ = "analytics_video_hours"
    __table_args__ = (
        Index("ix_analytics_video_hours_creator_hour", "creator_id", "hour"),
        # A rollup replaces and sums one hour (one day) of every video's rows.
        Index("ix_analytics_video_hours_hour", "hour"),
    )

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    creator_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    views: int = Field(default=0, nullable=False)
    viewers: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))


class CreatorDay(SQLModel, table=True):
    """One creator's hours summed per UTC day (recomputed from the hourly rows), so a
    dashboard over a year reads 366 rows, not 8,784."""

    __tablename__ = "analytics_creator_days"

    creator_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    views: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    likes: int = Field(default=0, nullable=False)
    unlikes: int = Field(default=0, nullable=False)
    comments: int = Field(default=0, nullable=False)
    shares: int = Field(default=0, nullable=False)
    follows_gained: int = Field(default=0, nullable=False)
    follows_lost: int = Field(default=0, nullable=False)


class VideoDay(SQLModel, table=True):
    """One video's hours summed per UTC day (``viewers`` is the sum of the hours'
    distinct viewers, as the hourly series adds them)."""

    __tablename__ = "analytics_video_days"
    # The dashboard's top videos: one creator's rows in a date range, read from the index.
    __table_args__ = (
        Index(
            "ix_analytics_video_days_creator_day",
            "creator_id",
            "day",
            "video_id",
            "views",
            "watch_seconds",
        ),
    )

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    creator_id: int = Field(sa_column=Column(Integer, nullable=False))
    views: int = Field(default=0, nullable=False)
    viewers: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))


class VideoSourceDay(SQLModel, table=True):
    """One video's new views by traffic source in one day."""

    __tablename__ = "analytics_video_sources"

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    source: str = Field(sa_column=Column(String(16), primary_key=True))
    views: int = Field(default=0, nullable=False)


class VideoDropoffDay(SQLModel, table=True):
    """How many of one day's viewers of a video got no further than ``second``.

    A viewer's furthest reported position falls in the bucket starting at
    ``second``; the retention curve is the reverse cumulative sum of these.
    Sparse: a row only where somebody stopped.
    """

    __tablename__ = "analytics_video_dropoffs"

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    second: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    viewers: int = Field(default=0, nullable=False)


class ActiveUserDay(SQLModel, table=True):
    """A signed-in user who did something counted on ``day`` (DAU, WAU and MAU count these)."""

    __tablename__ = "analytics_active_users"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class PlatformDay(SQLModel, table=True):
    """The platform's totals for one day."""

    __tablename__ = "analytics_platform_days"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    views: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    uploads: int = Field(default=0, nullable=False)
    signups: int = Field(default=0, nullable=False)
    posts: int = Field(default=0, nullable=False)
    likes: int = Field(default=0, nullable=False)
    comments: int = Field(default=0, nullable=False)


class VideoGeoDay(SQLModel, table=True):
    """One video's new views and watch time by country and region in one day.

    ``country`` is ``unknown`` where no trusted proxy named one, ``region`` empty
    where it named none."""

    __tablename__ = "analytics_video_geo"
    __table_args__ = (Index("ix_analytics_video_geo_creator_day", "creator_id", "day"),)

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    country: str = Field(sa_column=Column(String(8), primary_key=True))
    region: str = Field(sa_column=Column(String(16), primary_key=True))
    creator_id: int = Field(sa_column=Column(Integer, nullable=False))
    views: int = Field(default=0, nullable=False)
    watch_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))


class VideoAgentDay(SQLModel, table=True):
    """One video's new views by device type, operating system and browser in one day."""

    __tablename__ = "analytics_video_agents"
    __table_args__ = (Index("ix_analytics_video_agents_creator_day", "creator_id", "day"),)

    video_id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    device: str = Field(sa_column=Column(String(16), primary_key=True))
    os: str = Field(sa_column=Column(String(32), primary_key=True))
    browser: str = Field(sa_column=Column(String(32), primary_key=True))
    creator_id: int = Field(sa_column=Column(Integer, nullable=False))
    views: int = Field(default=0, nullable=False)


class LiveHour(SQLModel, table=True):
    """One live stream's audience in one hour: the most viewers at once and when, how
    many joins, and how many distinct viewers it had had by then (the live app's count)."""

    __tablename__ = "analytics_live_hours"
    __table_args__ = (Index("ix_analytics_live_hours_creator_hour", "creator_id", "hour"),)

    stream_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    creator_id: int = Field(sa_column=Column(Integer, nullable=False))
    peak_viewers: int = Field(default=0, nullable=False)
    peak_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    joins: int = Field(default=0, nullable=False)
    total_viewers: int = Field(default=0, nullable=False)
