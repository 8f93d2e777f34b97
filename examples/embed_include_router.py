"""Embed socialflow's routers in your own FastAPI app with ``include_router``.

Your app keeps its own routes, middleware and lifespan; socialflow's API
appears under a prefix of your choice.

First, once, a project and its database (``load_settings()`` reads the
project folder from ``SOCIALFLOW_PROJECT_DIR``, else the current folder)::

    socialflow new mysite && socialflow migrate -C mysite
    export SOCIALFLOW_PROJECT_DIR=$PWD/mysite

Then run the app, and a worker for the background tasks (fan-out to home
feeds, search indexing, video transcoding, account mail; without one they
wait in the broker)::

    uvicorn --factory examples.embed_include_router:build_app
    socialflow worker          # in another shell

Until ``socialflow migrate`` has run, ``/social/readyz`` answers 503 saying so.
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
