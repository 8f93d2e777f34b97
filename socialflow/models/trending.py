"""Bucketed counters behind trending hashtags and posts.

Each engagement adds one to the counter of its (kind, key, time bucket); a
window is the sum of the buckets inside it, so reading trending touches only
the buckets of the window, never the posts.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String
from sqlmodel import Field, SQLModel


class TrendingCounter(SQLModel, table=True):
    __tablename__ = "trending_counters"
    __table_args__ = (Index("ix_trending_counters_kind_bucket", "kind", "bucket"),)

    kind: str = Field(sa_column=Column(String(16), primary_key=True, nullable=False))
    key: str = Field(sa_column=Column(String(100), primary_key=True, nullable=False))
    # Start of the bucket in seconds since the epoch, a multiple of the bucket size.
    bucket: int = Field(sa_column=Column(Integer, primary_key=True, nullable=False))
    count: int = Field(default=0, nullable=False)
