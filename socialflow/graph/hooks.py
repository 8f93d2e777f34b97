"""The graph app: follows, follow requests, blocks, mutes, private accounts and public profiles.

Registered through the ``socialflow.apps`` entry-point group, like any
outside app. Light on purpose: routers, tables and tasks are imported inside
the hooks, so that loading the apps for ``socialflow --help`` costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialflow.plugins.declare import declared
from socialflow.plugins.specs import AppInfo, hookimpl

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session


MIGRATIONS = Path(__file__).parent / "migrations"


socialflow_apps = declared(
    AppInfo(
        "graph", "Follows, requests, blocks, mutes and who may see whom", requires=("accounts",)
    )
)
socialflow_table_modules = declared("socialflow.graph.models")


@hookimpl
def socialflow_routers() -> list[APIRouter]:
    from socialflow.graph import routes

    return [routes.router, routes.profiles_router]


@hookimpl
def socialflow_export_account(session: Session, user_id: int) -> dict[str, Any]:
    from socialflow.graph.export import graph_section

    return {"graph": graph_section(session, user_id)}
