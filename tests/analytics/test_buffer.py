"""The API process's event buffer: requests write no analytics row, a thread writes
them in batches, a full buffer sheds (counted), a clean stop loses nothing, and the
rollups still equal a direct count over the raw events."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import case, event, func, select

from socialflow.analytics.buffer import EventBuffer
from socialflow.analytics.capture import DEFAULTS, EVENTS
from socialflow.analytics.models import CreatorHour
from socialflow.analytics.tasks import roll_all
from socialflow.core.effects import record_event
from tests.analytics.conftest import Api, beacon, run_rollup, video_of
from tests.social.conftest import Actor


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    # Nothing is written by the interval during a test: only by size, flush() or stop().
    return {"plugin": {"analytics": {"flush_interval": 60, "flush_batch_size": 1000}}}


def _raw_count(platform: Any) -> int:
    with platform.session() as session:
        return int(session.execute(select(func.count()).select_from(EVENTS)).scalar_one())


def _row(n: int, creator_id: int = 1) -> dict[str, Any]:
    return {
        **DEFAULTS,
        "kind": "like",
        "creator_id": creator_id,
        "actor_id": 100 + n,
        "occurred_at": datetime.now(UTC),
        "rolled": False,
    }


def test_a_served_beacon_writes_no_row_until_the_buffer_flushes_in_one_insert(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator = actor("buffered")
    video_id = video_of(platform, creator)
    buffer = platform.get(EventBuffer)
    assert buffer.enabled  # the server's lifespan switched it on
    before = _raw_count(platform)
    for n in range(6):
        beacon(api, video_id, actor(f"bv{n}"), watched_seconds=3, position=3)
    assert _raw_count(platform) == before
    assert len(buffer) >= 6

    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(platform.engine, "before_cursor_execute", seen)
    try:
        written = buffer.flush()
    finally:
        event.remove(platform.engine, "before_cursor_execute", seen)
    assert written >= 6
    assert [s for s in statements if s != "BEGIN"] == ["INSERT"]
    assert _raw_count(platform) == before + written
    run_rollup(platform)
    with platform.session() as session:
        views = session.execute(
            select(func.sum(CreatorHour.__table__.c.views)).where(  # type: ignore[attr-defined]
                CreatorHour.__table__.c.creator_id == creator.id  # type: ignore[attr-defined]
            )
        ).scalar_one()
    assert views == 6


def test_a_rolled_back_transaction_queues_nothing(platform: Any) -> None:
    buffer = platform.get(EventBuffer)
    buffer.enabled = True
    with platform.session() as session:
        record_event(session, "liked", post_id=1, user_id=2, author_id=3)
        session.rollback()
    assert len(buffer) == 0
    with platform.session() as session:
        record_event(session, "liked", post_id=1, user_id=2, author_id=3)
        record_event(session, "post_edited", post_id=1)  # not counted
        session.commit()
    assert len(buffer) == 1
    assert _raw_count(platform) == 0  # not in the transaction: in the buffer
    assert buffer.flush() == 1
    assert _raw_count(platform) == 1


def test_the_thread_writes_a_full_batch_without_waiting_for_the_interval(platform: Any) -> None:
    registry = CollectorRegistry()
    buffer = EventBuffer(
        lambda: platform.engine, batch_size=50, interval=60, capacity=1000, registry=registry
    )
    try:
        buffer.add([_row(n) for n in range(120)])
        deadline = time.monotonic() + 20
        while _raw_count(platform) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Two full batches went; the 20 left wait for the interval (or the stop).
        assert _raw_count(platform) >= 100
    finally:
        buffer.close()
    assert _raw_count(platform) == 120
    assert registry.get_sample_value("socialflow_analytics_events_written_total") == 120


def test_a_full_buffer_sheds_new_events_and_counts_them(platform: Any) -> None:
    registry = CollectorRegistry()
    buffer = EventBuffer(
        lambda: platform.engine, batch_size=100, interval=60, capacity=5, registry=registry
    )
    try:
        started = time.perf_counter()
        assert buffer.add([_row(n) for n in range(8)]) == 5
        assert buffer.add([_row(9)]) == 0
        assert time.perf_counter() - started < 0.5  # never waits for the database
        assert registry.get_sample_value("socialflow_analytics_events_shed_total") == 4
    finally:
        buffer.close()
    assert _raw_count(platform) == 5
    assert registry.get_sample_value("socialflow_analytics_events_written_total") == 5


def test_a_clean_stop_writes_what_waits(make_platform: Callable[..., Any]) -> None:
    served = make_platform(plugin={"analytics": {"flush_interval": 60}})
    buffer = served.get(EventBuffer)
    buffer.enabled = True
    for n in range(30):
        with served.session() as session:
            record_event(session, "liked", post_id=n, user_id=200 + n, author_id=7)
            session.commit()
    assert len(buffer) == 30
    served.stop()
    served.start()
    assert _raw_count(served) == 30


def test_buffered_late_events_fold_into_their_hour_and_equal_a_direct_count(
    platform: Any,
) -> None:
    """Many transactions through the buffer, some events hours old: after a flush and
    a rollup, the creator hours equal direct counts over the raw events."""
    buffer = platform.get(EventBuffer)
    buffer.enabled = True
    now = datetime.now(UTC)
    rows = []
    for n in range(400):
        row = _row(n, creator_id=1 + n % 4)
        row["occurred_at"] = now - timedelta(hours=n % 7, minutes=n % 50)
        row["kind"] = ("like", "share", "follow", "comment")[n % 4]
        rows.append(row)
    buffer.add(rows[:200])
    buffer.flush()
    assert roll_all(platform).events == 200
    buffer.add(rows[200:])  # late: their hours were rolled already
    assert roll_all(platform).events == 200  # roll_all writes the local buffer first
    table = CreatorHour.__table__  # type: ignore[attr-defined]
    with platform.session() as session:
        rolled = {
            tuple(r)
            for r in session.execute(
                select(
                    table.c.creator_id,
                    func.sum(table.c.likes),
                    func.sum(table.c.shares),
                    func.sum(table.c.follows_gained),
                    func.sum(table.c.comments),
                ).group_by(table.c.creator_id)
            )
        }
        direct = {
            tuple(r)
            for r in session.execute(
                select(
                    EVENTS.c.creator_id,
                    *(
                        func.sum(case((EVENTS.c.kind == kind, 1), else_=0))
                        for kind in ("like", "share", "follow", "comment")
                    ),
                ).group_by(EVENTS.c.creator_id)
            )
        }
    assert rolled == direct
    assert sum(sum(r[1:]) for r in rolled) == 400
