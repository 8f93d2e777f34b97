"""The video tables' migration matches the models (SQLite, and PostgreSQL in services mode)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from socialflow.core.db.migrate import schema_drift


def test_video_tables_are_migrated_without_drift(platform: Any) -> None:
    tables = set(inspect(platform.engine).get_table_names())
    assert {"videos", "video_uploads", "video_upload_chunks", "video_views"} <= tables
    assert schema_drift(platform.engine) == []
