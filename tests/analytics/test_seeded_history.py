"""``socialflow seed`` draws analytics history; rolled up, the dashboards' numbers equal
direct counts over the raw events."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import case, distinct, func, select

from socialflow.analytics import forecast, platform_stats, stats
from socialflow.analytics.capture import EVENTS
from socialflow.demo.draw import SeedPlan
from socialflow.demo.seed import seed

# Four weeks: the shortest history the ETS forecast takes (its MIN_ETS_DAYS).
DAYS = forecast.MIN_ETS_DAYS


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {}


def test_seeded_history_rolls_up_to_the_raw_counts(platform: Any) -> None:
    plan = SeedPlan(users=40, posts=60, seed=5, timelines=False, search=False, analytics_days=DAYS)
    report = seed(platform, plan)
    assert report.analytics_events > 1000
    with platform.session() as session:
        assert (
            session.execute(select(func.count()).where(EVENTS.c.rolled.is_(False))).scalar_one()
            == 0
        )
        creators = session.execute(select(EVENTS.c.creator_id).distinct()).scalars().all()
        assert len(creators) == 10
        for creator_id in creators:
            overview = stats.creator_overview(session, creator_id=creator_id, days=DAYS + 1)
            raw = session.execute(
                select(
                    func.sum(case((EVENTS.c.kind == "view", 1), else_=0)),
                    func.sum(EVENTS.c.watch_seconds),
                    func.sum(case((EVENTS.c.kind == "like", 1), else_=0)),
                    func.sum(case((EVENTS.c.kind == "follow", 1), else_=0)),
                    func.sum(case((EVENTS.c.kind == "unfollow", 1), else_=0)),
                ).where(EVENTS.c.creator_id == creator_id)
            ).one()
            totals = overview["totals"]
            assert totals["views"] == raw[0]
            assert totals["watch_seconds"] == pytest.approx(raw[1])
            assert (totals["likes"], totals["follows_gained"], totals["follows_lost"]) == (
                raw[2],
                raw[3],
                raw[4],
            )
            assert sum(1 for day in overview["daily"] if day["views"]) == DAYS
        # The busiest creator's history feeds a real forecast.
        top = max(
            creators,
            key=lambda c: stats.creator_overview(session, creator_id=c, days=DAYS + 1)["totals"][
                "views"
            ],
        )
        made = stats.creator_forecast(session, creator_id=top, days=14)
        assert made["history_days"] == DAYS
        assert made["method"] == "ets"
        # Platform numbers: daily views and active users equal the raw counts.
        whole = platform_stats.platform_stats(session, days=DAYS + 1)
        assert (
            whole["totals"]["views"]
            == session.execute(select(func.count()).where(EVENTS.c.kind == "view")).scalar_one()
        )
        month = session.execute(
            select(func.count(distinct(EVENTS.c.actor_id))).where(
                EVENTS.c.actor_id.is_not(None),
                EVENTS.c.occurred_at >= stats.period(30)[2],
            )
        ).scalar_one()
        assert whole["mau"] == month
