"""Documents of the built-in ``sql`` search backend.

The full-text index over ``text`` is engine-specific and created by the
migration: an FTS5 table (``search_fts``, kept in step by triggers) on
SQLite, a GIN index on ``to_tsvector('simple', text)`` on PostgreSQL.
``prefix`` holds a lower-cased key (usernames, hashtags) for prefix matching.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class SearchDocumentRow(SQLModel, table=True):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_search_documents_kind_ref"),
        Index("ix_search_documents_kind_prefix", "kind", "prefix"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    ref_id: str = Field(sa_column=Column(String(64), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    prefix: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


class SearchSyncState(SQLModel, table=True):
    """How far the search index has caught up with a source table (e.g. users)."""

    __tablename__ = "search_sync_state"

    name: str = Field(sa_column=Column(String(32), primary_key=True, nullable=False))
    last_id: int = Field(default=0, nullable=False)
    # Seconds since the epoch of the newest ``updated_at`` already indexed.
    last_updated: float = Field(default=0.0, nullable=False)
