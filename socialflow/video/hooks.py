"""The video app: tus uploads, quotas, processing to HLS, playback and views.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared, settings_section
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session

    from socialflow.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "video",
        "Resumable uploads, transcoding to HLS and DASH, playback",
        requires=("accounts", "graph"),
    )
)
socialflow_table_modules = declared("socialflow.video.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))
socialflow_task_modules = declared("socialflow.video.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.video.routes import dash, uploads, videos

    return [uploads.router, videos.router, dash.router, videos.user_videos_router]


socialflow_cli = cli_commands("socialflow.video.cli")


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import MEDIA_QUEUE, every
    from socialflow.video.settings import video_settings
    from socialflow.video.tasks import PURGE_DELETED_TASK, SWEEP_TASK

    purge = video_settings(settings).purge_interval
    return {
        "media-sweep": every(SWEEP_TASK, settings.media_sweep_interval, MEDIA_QUEUE),
        "media-purge-deleted": every(PURGE_DELETED_TASK, purge, MEDIA_QUEUE),
    }


socialflow_settings_model = settings_section("socialflow.video.settings", "VideoSettings")


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.video.export import videos_section

    return {"videos": videos_section(session, user_id)}


@hookimpl
def socialflow_counters(session: Session, kind: str, ids: list[Any]) -> dict[Any, dict[str, int]]:
    """``videos`` on profiles: how many ready, public videos each account shows."""
    if kind != "user":
        return {}
    from socialflow.video.videos import public_video_counts

    return {owner: {"videos": count} for owner, count in public_video_counts(session, ids).items()}
