"""The live app: streams, broadcasts, recordings, hosted playback.

Optional (``disabled_apps = ["live"]`` leaves it out, tables included: they
live on the ``live`` Alembic branch). It stands above video (a recording is
a video) and realtime; light on purpose: routers, tables and tasks are
imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings
    from socialflow.plugins.notification_kinds import NotificationKind

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "live",
        "Live streaming: RTMP ingest, low-latency HLS, recordings as videos",
        requires=("accounts", "graph", "video"),
        optional=True,
    )
)
socialflow_table_modules = declared("socialflow.live.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.live.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.live import (
        routes,
        routes_access,
        routes_chat,
        routes_ingest,
        routes_nginx,
        routes_replay,
    )

    return [
        routes.router,
        routes_chat.router,
        routes_nginx.router,
        routes_access.router,
        routes_replay.router,
        routes_ingest.router,
    ]


socialflow_cli = cli_commands("socialflow.live.cli")


@hookimpl
def socialflow_notification_kinds() -> list[NotificationKind]:
    # Followers hear of lives started and scheduled (written in batches by a task).
    from socialflow.live.notices import KINDS

    return KINDS


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.live.settings import SECTION, LiveSettings
    from socialflow.live.tasks import SYNC_TASK

    interval = settings.plugin_config(SECTION, LiveSettings).sync_interval
    return {"live-sync": every(SYNC_TASK, interval, DEFAULT_QUEUE)}


socialflow_settings_model = settings_section("socialflow.live.settings", "LiveSettings")


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.live.announce import announce_after_commit
    from socialflow.live.ingest import IngestRunner
    from socialflow.live.settings import SECTION, LiveSettings

    platform.attach(LiveSettings, lambda: platform.settings.plugin_config(SECTION, LiveSettings))
    platform.attach(IngestRunner, lambda: IngestRunner(platform).start(), close=IngestRunner.close)
    # Followers hear of a stream starting over the realtime hub (when that app is on).
    platform.on_commit(announce_after_commit(platform))


@hookimpl
def socialflow_platform_serving(platform: Platform) -> None:
    from socialflow.live.ingest import IngestRunner
    from socialflow.live.settings import live_settings
    from socialflow.live.viewers import register_topic

    register_topic(platform)  # viewers follow live:<id> on the realtime hub
    if live_settings(platform).ingest_in_api:
        platform.get(IngestRunner)


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.live.export import export_for

    return export_for(session, user_id)
