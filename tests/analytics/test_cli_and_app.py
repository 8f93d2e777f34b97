"""``socialflow analytics rollup|report``, the settings and beat entries, and the app
switched off."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from socialflow.analytics.models import AnalyticsEvent
from socialflow.analytics.settings import AnalyticsSettings
from socialflow.analytics.tasks import flush_local
from socialflow.app import create_app
from socialflow.cli import build_cli
from socialflow.core.effects import record_event
from tests.analytics.conftest import Api, beacon, video_of
from tests.social.conftest import Actor, follow

EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]


def run(project: Path, *args: str) -> Any:
    return CliRunner().invoke(build_cli(), ["analytics", *args, "-C", str(project)])


def test_rollup_and_report_write_exact_csv_and_a_png(
    api: Api,
    actor: Callable[..., Actor],
    platform: Any,
    socialflow_project: Path,
    tmp_path: Path,
) -> None:
    creator, fan = actor("reporter"), actor("fan")
    video_id = video_of(platform, creator)
    beacon(api, video_id, fan, watched_seconds=6, position=6, source="profile")
    assert follow(api, fan, creator) == "following"
    # The API process's buffered events reach the table (its writer would within a second).
    assert flush_local(platform) == 2

    rolled = run(socialflow_project, "rollup")
    assert rolled.exit_code == 0, rolled.output
    assert "Rolled up 2 raw events" in rolled.output
    # A backfill from long ago starts at the oldest day raw events are kept.
    again = run(socialflow_project, "rollup", "--since", "2000-01-01")
    assert again.exit_code == 0, again.output
    assert "recomputing from" in again.output
    assert "Rolled up 2 raw events" in again.output

    out_csv, out_png = tmp_path / "report.csv", tmp_path / "report.png"
    report = run(
        socialflow_project,
        "report",
        "--creator",
        "reporter",
        "--days",
        "3",
        "--csv",
        str(out_csv),
        "--png",
        str(out_png),
    )
    assert report.exit_code == 0, report.output
    with out_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    today = rows[-1]
    assert (today["views"], today["watch_seconds"], today["follows_gained"]) == ("1", "6.0", "1")
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out_png.stat().st_size > 5000

    missing = run(socialflow_project, "report", "--creator", "nobody")
    assert missing.exit_code == 1
    bad_day = run(socialflow_project, "rollup", "--since", "yesterday")
    assert bad_day.exit_code == 2


def test_settings_and_beat_entries(make_platform: Callable[..., Any]) -> None:
    platform = make_platform(plugin={"analytics": {"rollup_interval": 60, "sweep_interval": 3600}})
    schedule = platform.celery.conf.beat_schedule
    assert schedule["analytics-rollup"]["task"] == "socialflow.analytics.rollup"
    assert schedule["analytics-rollup"]["schedule"].total_seconds() == 60
    assert schedule["analytics-sweep"]["schedule"].total_seconds() == 3600
    with pytest.raises(ValidationError):
        AnalyticsSettings(raw_retention_days=0)
    with pytest.raises(ValidationError):
        AnalyticsSettings.model_validate({"unknown": 1})


def test_switched_off_the_app_leaves_no_route_no_beat_and_no_capture(
    make_platform: Callable[..., Any],
) -> None:
    off = make_platform(disabled_apps=["analytics"])
    assert "analytics" not in off.plugins.app_names()
    paths = set(create_app(platform=off).openapi()["paths"])
    assert "/api/v1/videos/{video_id}/views" in paths
    assert not any(path.startswith("/api/v1/analytics") for path in paths)
    assert "analytics-rollup" not in off.celery.conf.beat_schedule
    with off.session() as session:
        record_event(session, "liked", post_id=1, user_id=2, author_id=3)
        session.commit()
        # The test database has every app's tables; nothing was written to this one.
        assert "analytics_events" in inspect(session.get_bind()).get_table_names()
        assert session.execute(select(func.count()).select_from(EVENTS)).scalar_one() == 0


def test_the_queue_backlog_does_not_hang_on_a_broker_that_is_down(
    make_platform: Callable[..., Any],
) -> None:
    import time

    from socialflow.analytics.platform_stats import queue_backlog
    from socialflow.testing.server import free_port

    down = make_platform(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False)
    started = time.monotonic()
    assert queue_backlog(down, ("default", "media")) == {"default": None, "media": None}
    assert time.monotonic() - started < 10
