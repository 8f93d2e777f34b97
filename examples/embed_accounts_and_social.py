"""Take only some apps: accounts and social (posts, comments, likes) in your own API.

``install(..., apps={"accounts", "social"})`` mounts the routes of those two
apps and nothing else: no feeds, search, notifications or upload routes. The
apps they build on (the social graph for privacy, video for what a post may
carry) still run underneath, as their tables and services are part of what
posts are.

Set up the project as for ``examples/embed_include_router.py``::

    socialflow new mysite && socialflow migrate -C mysite
    export SOCIALFLOW_PROJECT_DIR=$PWD/mysite
    uvicorn --factory examples.embed_accounts_and_social:build_app
"""

from __future__ import annotations

from fastapi import FastAPI

from socialflow import Platform, install, load_settings

APPS = {"accounts", "social"}


def build_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform(load_settings())
    app = FastAPI(title="My community", lifespan=platform.lifespan)

    @app.get("/")
    def home() -> dict[str, str]:
        return {"product": "community", "api": "/api/v1"}

    install(app, platform, apps=APPS)
    return app
