"""The feeds app: home, explore and hashtag feeds, their timelines and caches.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import cli_commands, declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform
    from socialflow.core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "feeds",
        "Home, explore and hashtag feeds with hybrid fan-out",
        requires=("accounts", "graph", "video", "social"),
    )
)
socialflow_table_modules = declared("socialflow.feeds.models")
socialflow_task_modules = declared("socialflow.feeds.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.feeds import routes

    return [routes.router, routes.profile_posts_router]


socialflow_cli = cli_commands("socialflow.feeds.cli")


@hookimpl
def socialflow_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from socialflow.core.celery import DEFAULT_QUEUE, every
    from socialflow.feeds.tasks import PRUNE_TRENDING_TASK

    interval = settings.trending_prune_interval_seconds
    return {"trending-prune": every(PRUNE_TRENDING_TASK, interval, DEFAULT_QUEUE)}


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.feeds.state import attach_feed_state

    attach_feed_state(platform)
