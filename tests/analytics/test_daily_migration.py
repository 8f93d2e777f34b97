"""The migration adding the day tables fills them from the hours already rolled up."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from socialflow.analytics.models import CreatorDay, CreatorHour, VideoDay, VideoHour
from socialflow.core.db import migrate as migrations
from tests.test_migrations import empty_engine, postgres_database  # noqa: F401 - fixtures


def test_existing_hours_are_summed_into_days(empty_engine: Engine) -> None:  # noqa: F811
    config = migrations.alembic_config(empty_engine)
    migrations.upgrade(config, "c4a81f3e7d20")  # the analytics branch before the day tables
    hours = [
        datetime(2026, 3, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 23, tzinfo=UTC),
        datetime(2026, 3, 2, 5, tzinfo=UTC),
    ]
    zero = dict.fromkeys(("unlikes", "comments", "shares", "follows_gained", "follows_lost"), 0)
    with empty_engine.begin() as connection:
        connection.execute(
            insert(CreatorHour.__table__),  # type: ignore[attr-defined]
            [
                {"creator_id": 4, "hour": h, "views": n + 1, "watch_seconds": 2.0, "likes": 1,
                 **zero}
                for n, h in enumerate(hours)
            ],
        )  # fmt: skip
        connection.execute(
            insert(VideoHour.__table__),  # type: ignore[attr-defined]
            [
                {"video_id": "mv", "hour": h, "creator_id": 4, "views": 2, "viewers": 1,
                 "watch_seconds": 1.5}
                for h in hours
            ],
        )  # fmt: skip
    migrations.upgrade(config)
    with empty_engine.connect() as connection:
        creator_days = connection.execute(
            select(CreatorDay.__table__).order_by("day")  # type: ignore[attr-defined]
        ).all()
        video_days = connection.execute(
            select(VideoDay.__table__).order_by("day")  # type: ignore[attr-defined]
        ).all()
    assert [(r.day, r.views, r.likes, r.watch_seconds) for r in creator_days] == [
        (date(2026, 3, 1), 3, 2, 4.0),
        (date(2026, 3, 2), 3, 1, 2.0),
    ]
    assert [(r.day, r.creator_id, r.views, r.viewers) for r in video_days] == [
        (date(2026, 3, 1), 4, 4, 2),
        (date(2026, 3, 2), 4, 2, 1),
    ]
