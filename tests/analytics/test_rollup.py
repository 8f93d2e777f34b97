"""The rollup itself: late events fold into their hour, re-runs give the same rows,
a rolled-back action leaves no raw event, the sweep keeps what a recompute needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from socialflow.analytics import rollup
from socialflow.analytics.capture import capture_events
from socialflow.analytics.models import AnalyticsEvent, CreatorHour, VideoHour
from socialflow.analytics.tasks import roll_all
from socialflow.core.effects import record_event
from tests.analytics.conftest import Api, beacon, run_rollup, video_of
from tests.social.conftest import Actor

EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]


def _raw(platform: Any, **row: Any) -> None:
    values = {
        "rolled": False,
        "new_view": False,
        "watch_seconds": 0.0,
        **row,
    }
    with platform.session() as session:
        session.execute(insert(EVENTS), [values])
        session.commit()


def _hours(platform: Any, model: type[Any]) -> list[dict[str, Any]]:
    table = model.__table__
    with platform.session() as session:
        found = session.execute(select(table).order_by(*table.primary_key))
        return [dict(r._mapping) for r in found]


def test_a_late_event_folds_into_its_own_hour_and_reruns_change_nothing(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    creator = actor("late")
    video_id = video_of(platform, creator)
    beacon(api, video_id, actor("viewer1"), watched_seconds=5, position=5)
    run_rollup(platform)
    first = _hours(platform, VideoHour)
    assert [r["views"] for r in first] == [1]
    now_hour = first[0]["hour"]  # the beacon's hour
    assert now_hour == rollup.hour_of(now_hour)
    assert datetime.now(UTC) - now_hour < timedelta(hours=2)

    # An event of three hours ago commits only now (an offline client, a long transaction).
    earlier = now_hour - timedelta(hours=3) + timedelta(minutes=59)
    _raw(
        platform,
        kind="view",
        occurred_at=earlier,
        creator_id=creator.id,
        video_id=video_id,
        viewer_key="late-viewer",
        new_view=True,
        watch_seconds=4.0,
        position=4.0,
    )
    _raw(platform, kind="like", occurred_at=earlier, creator_id=creator.id, actor_id=creator.id)
    run_rollup(platform)
    rows = _hours(platform, VideoHour)
    assert [(r["hour"], r["views"], r["watch_seconds"]) for r in rows] == [
        (now_hour - timedelta(hours=3), 1, 4.0),
        (now_hour, 1, 5.0),
    ]
    creator_rows = _hours(platform, CreatorHour)
    assert [(r["hour"], r["views"], r["likes"]) for r in creator_rows] == [
        (now_hour - timedelta(hours=3), 1, 1),
        (now_hour, 1, 0),
    ]

    # Recomputing everything from the raw events (a backfill) writes the same rows.
    with platform.session() as session:
        assert rollup.reset_since(session, now_hour - timedelta(days=1)) == 3
        session.commit()
    assert roll_all(platform).events == 3
    assert _hours(platform, VideoHour) == rows
    assert _hours(platform, CreatorHour) == creator_rows


def test_a_rolled_back_action_leaves_no_raw_event(platform: Any) -> None:
    with platform.session() as session:
        record_event(session, "liked", post_id=1, user_id=2, author_id=3)
        session.rollback()
        session.commit()
    with platform.session() as session:
        record_event(session, "liked", post_id=1, user_id=2, author_id=3)
        record_event(session, "unliked", post_id=1, user_id=2, author_id=3)
        record_event(session, "post_edited", post_id=1)  # not counted
        session.commit()
    with platform.session() as session:
        kinds = session.execute(select(EVENTS.c.kind).order_by(EVENTS.c.id)).scalars().all()
    assert kinds == ["like", "unlike"]


def test_one_batched_insert_per_transaction(platform: Any) -> None:
    """Many events in one transaction: one INSERT statement (executemany), no SELECT."""
    from sqlalchemy import event

    statements: list[str] = []
    with platform.session() as session:
        for n in range(50):
            record_event(session, "liked", post_id=n, user_id=2, author_id=3)

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement.split()[0].upper())

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            capture_events(session)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        session.rollback()
    # (SQLite's driver opens its transaction with a BEGIN of its own.)
    assert [s for s in statements if s != "BEGIN"] == ["INSERT"]


def test_the_sweep_deletes_old_rolled_events_by_whole_days(platform: Any) -> None:
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    old = datetime(2026, 6, 4, 23, 59, tzinfo=UTC)  # 11 days back: past a 10-day retention
    kept = datetime(2026, 6, 5, 0, 0, tzinfo=UTC)  # the first whole day still kept
    _raw(platform, kind="like", occurred_at=old, creator_id=1, rolled=True)
    _raw(platform, kind="like", occurred_at=old, creator_id=1)  # not rolled yet: kept
    _raw(platform, kind="like", occurred_at=kept, creator_id=1, rolled=True)
    with platform.session() as session:
        assert rollup.sweep(session, now=now, retention_days=10) == 1
        session.commit()
        left = session.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    assert left == 2
    assert rollup.oldest_recomputable(now, 10) == kept


@pytest.mark.parametrize("bucket", [1, 5])
def test_retention_buckets(
    api: Api, actor: Callable[..., Actor], platform: Any, bucket: int
) -> None:
    from socialflow.analytics.stats import retention_curve

    creator = actor(f"bucket{bucket}")
    video_id = video_of(platform, creator, duration=12)
    for n, position in enumerate((0.5, 4.9, 6, 12)):
        _raw(
            platform,
            kind="view",
            occurred_at=datetime.now(UTC),
            creator_id=creator.id,
            video_id=video_id,
            viewer_key=f"v{n}",
            new_view=True,
            position=position,
        )
    with platform.session() as session:
        rollup.roll_pending(session, batch_size=100, bucket_seconds=bucket)
        session.commit()
        today = datetime.now(UTC).date()
        curve = retention_curve(
            session,
            video_id=video_id,
            first=today,
            last=today,
            duration=12,
            bucket_seconds=bucket,
        )
    points = {p["second"]: p["fraction"] for p in curve["points"]}
    assert curve["viewers"] == 4
    if bucket == 1:
        wanted = {0: 1.0, 1: 0.75, 5: 0.5, 6: 0.5, 7: 0.25, 12: 0.25}
        assert {second: points[second] for second in wanted} == wanted
    else:
        assert points == {0: 1.0, 5: 0.5, 10: 0.25}


def test_two_rollups_at_once_take_turns(platform: Any) -> None:
    """Beat's rollup and a CLI backfill at the same time: no conflict, exact numbers."""
    import threading

    moment = datetime.now(UTC) - timedelta(hours=2)
    with platform.session() as session:
        session.execute(
            insert(EVENTS),
            [
                {
                    "kind": "like",
                    "occurred_at": moment - timedelta(hours=n % 5),
                    "creator_id": 1 + n % 3,
                    "actor_id": 100 + n,
                    "rolled": False,
                    "new_view": False,
                    "watch_seconds": 0.0,
                }
                for n in range(300)
            ],
        )
        session.commit()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            roll_all(platform)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    rows = _hours(platform, CreatorHour)
    assert sum(r["likes"] for r in rows) == 300
    assert len(rows) == 15  # 3 creators x 5 hours


def test_days_are_the_sums_of_their_hours_and_late_events_reach_them(platform: Any) -> None:
    from socialflow.analytics.models import CreatorDay, VideoDay
    from socialflow.analytics.stats import creator_overview

    today = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    for n, moment in enumerate((today, today, yesterday)):
        _raw(
            platform,
            kind="view",
            occurred_at=moment,
            creator_id=5,
            video_id="dayvideo",
            viewer_key=f"d{n}",
            new_view=True,
            watch_seconds=2.0,
        )
    roll_all(platform)
    _raw(platform, kind="like", occurred_at=yesterday, creator_id=5, actor_id=6)  # late
    roll_all(platform)

    def by_day(model: type[Any], *columns: str) -> dict[Any, tuple[Any, ...]]:
        return {r["day"]: tuple(r[c] for c in columns) for r in _hours(platform, model)}

    assert by_day(CreatorDay, "views", "watch_seconds", "likes") == {
        yesterday.date(): (1, 2.0, 1),
        today.date(): (2, 4.0, 0),
    }
    assert by_day(VideoDay, "views", "viewers", "creator_id") == {
        yesterday.date(): (1, 1, 5),
        today.date(): (2, 2, 5),
    }
    # The dashboard reads the days: equal to the hours' totals.
    hours = _hours(platform, CreatorHour)
    with platform.session() as session:
        totals = creator_overview(session, creator_id=5, days=3)["totals"]
    assert (
        (totals["views"], totals["likes"])
        == (
            sum(r["views"] for r in hours),
            sum(r["likes"] for r in hours),
        )
        == (3, 1)
    )


def test_a_batch_over_many_hours_is_recomputed_set_wise(platform: Any) -> None:
    from sqlalchemy import event

    from socialflow.analytics.models import CreatorDay

    start = datetime(2026, 11, 2, 5, tzinfo=UTC)
    # An hour rolled up earlier, between the hours of the next batch (left as it is).
    _raw(platform, kind="like", occurred_at=start + timedelta(hours=3), creator_id=7, actor_id=8)
    roll_all(platform)
    # Three days of hourly views, and one a month later (a run of its own).
    moments = [start + timedelta(hours=h) for h in range(72) if h != 3]
    moments.append(start + timedelta(days=30))
    with platform.session() as session:
        session.execute(
            insert(EVENTS),
            [
                {
                    "kind": "view",
                    "occurred_at": at,
                    "rolled": False,
                    "creator_id": 7,
                    "video_id": "manyhours",
                    "viewer_key": f"k{n}",
                    "new_view": True,
                    "watch_seconds": 1.5,
                }
                for n, at in enumerate(moments)
            ],
        )
        session.commit()

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        done = roll_all(platform)
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)
    assert (done.events, done.hours, done.days) == (72, 72, 5)
    # Grouped queries per run of hours and days (two of each here): about 70 statements;
    # a handful per hour and per day would be some 600.
    assert len(statements) < 100

    hours = {r["hour"]: r for r in _hours(platform, CreatorHour)}
    assert len(hours) == 73
    assert (hours[start + timedelta(hours=3)]["views"], hours[start]["views"]) == (0, 1)
    assert hours[start + timedelta(hours=3)]["likes"] == 1
    assert [r["viewers"] for r in _hours(platform, VideoHour)] == [1] * 72
    days = {r["day"]: (r["views"], r["likes"]) for r in _hours(platform, CreatorDay)}
    assert days == {
        start.date(): (18, 1),
        start.date() + timedelta(days=1): (24, 0),
        start.date() + timedelta(days=2): (24, 0),
        start.date() + timedelta(days=3): (5, 0),
        start.date() + timedelta(days=30): (1, 0),
    }
