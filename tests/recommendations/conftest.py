"""Helpers for the recommendations tests: actors, posts, log rows written directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.social.conftest import Actor, actor, api, follow, make_post  # noqa: F401 - re-exported


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    # Impressions written at once, so a test reads them right after the request.
    return {"plugin": {"recommendations": {"flush_seconds": 0.0}}}


def log_rows(platform: Any, **where: Any) -> list[Any]:
    from socialflow.recommendations.logbook import EVENTS, LogBuffer

    platform.get(LogBuffer).flush()
    statement = select(EVENTS).order_by(EVENTS.c.id)
    for column, value in where.items():
        statement = statement.where(EVENTS.c[column] == value)
    with platform.session() as session:
        return list(session.execute(statement))


def wait_rows(platform: Any, count: int, **where: Any) -> list[Any]:
    """The log rows matching ``where`` once there are ``count`` of them: the server that
    built a page may be another process, writing its buffer on its own thread."""
    from socialflow.testing.waiting import wait_until

    return list(
        wait_until(
            lambda: (rows := log_rows(platform, **where)) and len(rows) >= count and rows,
            timeout=20,
            what=f"{count} log rows {where}",
        )
    )


def write_log(platform: Any, rows: list[dict[str, Any]]) -> None:
    from socialflow.recommendations import logbook

    with platform.session() as session:
        logbook.write(session, rows)
        session.commit()


def event(kind: str, post_id: int, user_id: int, at: datetime, **fields: Any) -> dict[str, Any]:
    from socialflow.recommendations import logbook

    return logbook.row(kind, post_id, user_id=user_id, at=at, **fields)
