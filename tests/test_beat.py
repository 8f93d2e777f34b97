"""Scheduled work through Celery beat: the schedule comes from settings, beat's state
file stays in the project's state folder, and a real worker with embedded beat runs
the periodic tasks."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from socialflow.ads.tasks import BATCH_TASK as ADS_BATCH_TASK
from socialflow.analytics.tasks import ROLLUP_TASK as ANALYTICS_ROLLUP_TASK
from socialflow.analytics.tasks import SWEEP_TASK as ANALYTICS_SWEEP_TASK
from socialflow.cli import build_cli
from socialflow.core.celery import MEDIA_QUEUE
from socialflow.core.effects import PendingTask
from socialflow.core.platform import Platform
from socialflow.core.settings import Settings
from socialflow.feeds.tasks import PRUNE_TRENDING_TASK
from socialflow.live.tasks import SYNC_TASK as LIVE_SYNC_TASK
from socialflow.moderation.tasks import EXPIRE_TASK as MODERATION_EXPIRE_TASK
from socialflow.notifications.tasks import DIGEST_TASK as NOTIFICATIONS_DIGEST_TASK
from socialflow.notifications.tasks import SWEEP_TASK as NOTIFICATIONS_SWEEP_TASK
from socialflow.payments.tasks import SWEEP_TASK as PAYMENTS_SWEEP_TASK
from socialflow.recommendations.tasks import PRUNE_TASK as RECOMMENDATIONS_PRUNE_TASK
from socialflow.recommendations.tasks import TRAIN_TASK as RECOMMENDATIONS_TRAIN_TASK
from socialflow.social import trending
from socialflow.social.models import TrendingCounter
from socialflow.social.tasks import SWEEP_IMAGES_TASK
from socialflow.testing.tasks import wait_for_tasks
from socialflow.testing.worker import running_worker
from socialflow.video.tasks import MEDIA_SWEEP_TASK
from socialflow.video.tasks import PURGE_DELETED_TASK as MEDIA_PURGE_DELETED_TASK
from socialflow.webhooks.tasks import SWEEP_TASK as WEBHOOKS_SWEEP_TASK

COUNTERS = TrendingCounter.__table__  # type: ignore[attr-defined]


def buckets(platform: Any) -> int:
    with platform.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(COUNTERS)).scalar_one())


def old_and_new_buckets(platform: Any) -> None:
    bucket = platform.settings.trending_bucket_seconds
    now = time.time()
    with platform.session() as session:
        trending.count(
            session, kind="tag", keys=["stale"], bucket_seconds=bucket, now=now - 9 * 86400
        )
        trending.count(session, kind="tag", keys=["fresh"], bucket_seconds=bucket, now=now)
        session.commit()


def test_the_schedule_holds_the_periodic_tasks_at_the_configured_intervals(
    tmp_path: Path,
) -> None:
    settings = Settings(
        project_dir=tmp_path, trending_prune_interval_seconds=123, media_sweep_interval=45
    )
    conf = Platform(settings).celery.conf
    entries = {entry["task"]: entry for entry in conf.beat_schedule.values()}
    assert set(entries) == {
        PRUNE_TRENDING_TASK,
        MEDIA_SWEEP_TASK,
        MEDIA_PURGE_DELETED_TASK,
        SWEEP_IMAGES_TASK,
        WEBHOOKS_SWEEP_TASK,
        NOTIFICATIONS_SWEEP_TASK,
        NOTIFICATIONS_DIGEST_TASK,
        PAYMENTS_SWEEP_TASK,
        LIVE_SYNC_TASK,
        MODERATION_EXPIRE_TASK,
        ANALYTICS_ROLLUP_TASK,
        ANALYTICS_SWEEP_TASK,
        RECOMMENDATIONS_PRUNE_TASK,
        RECOMMENDATIONS_TRAIN_TASK,
        ADS_BATCH_TASK,
    }
    assert entries[NOTIFICATIONS_DIGEST_TASK]["schedule"] == timedelta(hours=1)
    assert entries[PRUNE_TRENDING_TASK]["schedule"] == timedelta(seconds=123)
    assert entries[MEDIA_SWEEP_TASK]["schedule"] == timedelta(seconds=45)
    assert entries[MEDIA_SWEEP_TASK]["options"]["queue"] == MEDIA_QUEUE
    assert Path(conf.beat_schedule_filename).parent == settings.state_dir


def test_the_prune_task_drops_old_trending_buckets(platform: Any) -> None:
    old_and_new_buckets(platform)
    assert buckets(platform) == 2
    platform.enqueue(PendingTask(name=PRUNE_TRENDING_TASK))
    wait_for_tasks(platform)  # eager tasks ran inline; a worker's are waited for
    assert buckets(platform) == 1


def test_beat_and_worker_commands_offer_beat() -> None:
    cli = build_cli(with_plugins=False)
    beat = CliRunner().invoke(cli, ["beat", "--help"])
    assert beat.exit_code == 0, beat.output
    assert "exactly one" in beat.output.lower()
    worker = CliRunner().invoke(cli, ["worker", "--help"])
    assert worker.exit_code == 0, worker.output
    assert "--beat" in worker.output
    serve = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--no-beat" in serve.output


class TestBeatInAWorker:
    @pytest.fixture
    def socialflow_overrides(self) -> dict[str, Any]:
        return {"task_always_eager": False, "trending_prune_interval_seconds": 1}

    @pytest.mark.slow
    def test_a_worker_with_beat_runs_the_prune_within_seconds(self, platform: Any) -> None:
        old_and_new_buckets(platform)
        with running_worker(platform, beat=True):
            deadline = time.monotonic() + 30
            while buckets(platform) != 1 and time.monotonic() < deadline:
                time.sleep(0.2)
        assert buckets(platform) == 1
        # Beat's state file (a shelve: its suffix depends on the dbm module) is in the
        # project's state folder, not in the directory the worker was started from.
        assert any(platform.settings.state_dir.glob("celerybeat-schedule*"))
        assert not any(Path.cwd().glob("celerybeat-schedule*"))
