"""HTTP routers, one per domain, assembled by :func:`build_api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from socialflow.api import (
    auth,
    feeds,
    graph,
    images,
    media,
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
    for module in (
        auth,
        users,
        graph,
        posts,
        feeds,
        trending,
        search,
        uploads,
        videos,
        images,
        media,
    ):
        router.include_router(module.router)
    for plugin_router in extra or []:
        router.include_router(plugin_router)
    return router
