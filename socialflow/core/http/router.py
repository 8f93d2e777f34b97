"""The ``/api/v1`` router: every app's routes and then the other plugins' routers."""

from __future__ import annotations

from fastapi import APIRouter


def build_api_router(
    app_routers: list[APIRouter], plugin_routers: list[APIRouter] | None = None
) -> APIRouter:
    """One router to mount at ``/api/v1``.

    Routes are matched in order, and FastAPI's matching costs a few
    microseconds per route tried and per level of included routers: the apps'
    routes are copied into one flat list (their paths, tags and route classes
    are already set on each route). Other plugins' routers are included as
    they are, after them.
    """
    router = APIRouter()
    for app_router in app_routers:
        router.routes.extend(app_router.routes)
    for plugin_router in plugin_routers or []:
        router.include_router(plugin_router)
    return router
