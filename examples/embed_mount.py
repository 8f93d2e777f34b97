"""Mount the whole socialflow app under a path of your FastAPI app.

The mounted app is complete (its own middleware, docs at /social/docs,
request ids, metrics). Starlette does not run a mounted app's lifespan, so the
host runs it; without that, the platform would start on the first request.

First, once, a project and its database (``load_settings()`` reads the
project folder from ``SOCIALFLOW_PROJECT_DIR``, else the current folder)::

    socialflow new mysite && socialflow migrate -C mysite
    export SOCIALFLOW_PROJECT_DIR=$PWD/mysite

Then run the app, and a worker for the background tasks (fan-out to home
feeds, search indexing, video transcoding, account mail; without one they
wait in the broker)::

    uvicorn --factory examples.embed_mount:build_app
    socialflow worker          # in another shell

Until ``socialflow migrate`` has run, ``/social/readyz`` answers 503 saying so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from socialflow import Platform, create_app, load_settings


def build_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform(load_settings())
    social = create_app(platform=platform)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform.lifespan(social):
            yield

    app = FastAPI(title="My product", lifespan=lifespan)

    @app.get("/")
    def home() -> dict[str, str]:
        return {"product": "mine", "social": "/social/api/v1"}

    app.mount("/social", social)
    return app
