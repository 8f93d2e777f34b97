"""The search app: users, posts, hashtags and videos through the active SearchBackend.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from socialflow.plugins.declare import cli_commands, declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter


MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "search",
        "Search through the active search backend",
        requires=("accounts", "graph", "video", "social"),
    )
)
socialflow_table_modules = declared("socialflow.search.models")
socialflow_task_modules = declared("socialflow.search.tasks")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.search import routes

    return [routes.router]


socialflow_cli = cli_commands("socialflow.search.cli")
