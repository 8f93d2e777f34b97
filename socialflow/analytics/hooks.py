"""The analytics app: creator and platform statistics from counted activity.

Optional (``disabled_apps = ["analytics"]`` leaves it out, tables included:
they live on the ``analytics`` Alembic branch). No app below imports it: it
hears what happens through the domain events of the transactions it watches
(:mod:`socialflow.analytics.capture`). Light on purpose: routers, tables and
tasks are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "analytics",
        "Creator and platform statistics: views, watch time, retention, growth",
        requires=("accounts", "graph", "video", "social"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.analytics.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.analytics.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.analytics import routes

    return [routes.router, routes.admin_router]


socialflow_cli = cli_commands("socialflow.analytics.cli")


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.analytics.settings import SECTION, AnalyticsSettings
    from socialflow.analytics.tasks import ROLLUP_TASK, SWEEP_TASK
    from socialflow.core.celery import DEFAULT_QUEUE, every

    config = settings.plugin_config(SECTION, AnalyticsSettings)
    return {
        "analytics-rollup": every(ROLLUP_TASK, config.rollup_interval, DEFAULT_QUEUE),
        "analytics-sweep": every(SWEEP_TASK, config.sweep_interval, DEFAULT_QUEUE),
    }


socialflow_settings_model = settings_section("socialflow.analytics.settings", "AnalyticsSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.analytics.buffer import EventBuffer
    from socialflow.analytics.capture import buffer_committed, capture_events
    from socialflow.analytics.settings import SECTION, AnalyticsSettings

    platform.attach(
        AnalyticsSettings, lambda: platform.settings.plugin_config(SECTION, AnalyticsSettings)
    )
    from socialflow.analytics.ops_metrics import OpsCollector

    # What is waiting now (queues, transcodes, live streams, deliveries) on /metrics.
    platform.metrics.registry.register(OpsCollector(platform))
    settings = platform.settings.plugin_config(SECTION, AnalyticsSettings)
    buffer = EventBuffer(
        lambda: platform.engine,
        batch_size=settings.flush_batch_size,
        interval=settings.flush_interval,
        capacity=settings.buffer_capacity,
        registry=platform.metrics.registry,
    )
    # Closed (flushed) by Platform.stop(), which the app's lifespan calls.
    platform.attach(EventBuffer, lambda: buffer, close=EventBuffer.close)
    # In the committing transaction (workers, CLI), or after it through the buffer.
    platform.listen_sessions(
        "before_commit", lambda session: capture_events(session, settings, buffer)
    )
    platform.on_commit(lambda _session, events: buffer_committed(buffer, events, settings))


@hookimpl
def socialflow_platform_serving(platform: Platform) -> None:
    from socialflow.analytics.buffer import EventBuffer

    # An API process: the request's commit queues its events, a thread writes them.
    platform.get(EventBuffer).enabled = True
