"""Embed socialflow's routers in your own FastAPI app with ``include_router``.

Your app keeps its own routes, middleware and lifespan; socialflow's API
appears under a prefix of your choice. Run:
``uvicorn --factory examples.embed_include_router:build_app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from socialflow import Platform, install, load_settings


def build_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform(load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Your own startup work goes around socialflow's.
        async with platform.lifespan(app):
            yield

    app = FastAPI(title="My product", lifespan=lifespan)

    @app.get("/")
    def home() -> dict[str, str]:
        return {"product": "mine", "social": "/social/api/v1"}

    # Routers, problem+json error handlers and app.state.socialflow, under /social.
    install(app, platform, prefix="/social")
    return app
