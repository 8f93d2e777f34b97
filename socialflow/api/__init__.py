"""HTTP routers, one per domain, assembled by :func:`build_api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.api import (
    auth,
    feeds,
    graph,
    images,
    media,
    notifications,
    posts,
    search,
    trending,
    uploads,
    users,
    videos,
)


def build_api_router(extra: list[APIRouter] | None = None) -> APIRouter:
    """Every built-in router (and plugins' ones) under one router, to mount at ``/api/v1``."""
    router = APIRouter()
    # Routes are matched in order, and FastAPI's matching costs a few
    # microseconds per route tried and per level of included routers: the
    # built-in routes are copied into one flat list (their paths, tags and
    # route classes are already set on each route), the hottest reads first.
    for module in (
        feeds,
        auth,
        users,
        graph,
        posts,
        trending,
        search,
        notifications,
        uploads,
        videos,
        images,
        media,
    ):
        router.routes.extend(module.router.routes)
    for plugin_router in extra or []:
        router.include_router(plugin_router)
    return router
