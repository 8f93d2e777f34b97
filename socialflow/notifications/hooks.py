"""The notifications app: an inbox written from each transaction's events.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from socialflow.plugins.declare import declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter

    from socialflow.core.platform import Platform

MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "notifications",
        "In-app notifications projected from events",
        requires=("accounts", "graph", "social"),
    )
)
socialflow_table_modules = declared("socialflow.notifications.models")
socialflow_migration_dirs = declared(str(MIGRATIONS))


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.notifications import routes

    return [routes.router]


@hookimpl
def socialflow_platform_start(platform: Platform) -> None:
    from socialflow.notifications.inbox import forget_written, project_pending_events

    # Written inside the committing transaction (see socialflow.notifications.inbox).
    platform.listen_sessions("before_commit", project_pending_events)
    platform.listen_sessions("after_rollback", forget_written)
