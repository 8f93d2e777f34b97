"""``create_app(settings) -> FastAPI``: the whole platform as one ASGI app.

Everything is built here, from the settings passed in (or read from the
environment and ``socialflow.toml``); nothing at import time. To take only
the routers into an app of your own, see ``examples/embed_include_router.py``.
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from socialflow._version import __version__
from socialflow.accounts.routes.mail_pages import dev_router as dev_outbox_router
from socialflow.accounts.routes.mail_pages import links_router as mail_links_router
from socialflow.builtins.dev_outbox import outbox_enabled
from socialflow.core.errors import install_exception_handlers
from socialflow.core.http.docs import install_docs
from socialflow.core.http.edge import (
    BodyLimit,
    SecurityHeaders,
    StreamingRoutes,
)
from socialflow.core.http.health import router as health_router
from socialflow.core.http.hot_routes import HotRoutes
from socialflow.core.http.media import router as media_router
from socialflow.core.http.openapi import install_openapi, operation_id
from socialflow.core.http.request_facts import RequestFacts
from socialflow.core.http.route_marks import hot_read_routes, streaming_routes
from socialflow.core.http.router import build_api_router
from socialflow.core.observability import RequestContextMiddleware, configure_logging
from socialflow.core.platform import Platform
from socialflow.core.settings import Settings, load_settings


def install(
    app: FastAPI, platform: Platform, *, prefix: str = "", apps: Collection[str] | None = None
) -> None:
    """Put socialflow's routers, error handlers and state onto an existing app.

    ``apps`` limits the API to the routes of the apps named (``{"accounts",
    "social"}``); the apps they build on still run (their tables, tasks and
    services), but their routes stay out. Default: every enabled app.

    Operation ids are :func:`~socialflow.core.http.openapi.operation_id`'s and the
    OpenAPI document describes error responses as problems
    (:func:`~socialflow.core.http.openapi.install_openapi`).

    ``prefix`` goes in front of everything (``/social`` gives
    ``/social/api/v1/...`` and ``/social/healthz``). The host app's lifespan
    should wrap ``platform.lifespan(app)``; if it does not, the platform starts
    on the first request.
    """
    app.state.socialflow = platform
    settings = platform.settings
    app_routers, plugin_routers = platform.plugins.routers(apps)
    app.include_router(health_router, prefix=prefix, generate_unique_id_function=operation_id)
    app.include_router(
        build_api_router([*app_routers, media_router], plugin_routers),
        prefix=prefix + settings.api_prefix,
        generate_unique_id_function=operation_id,
    )
    # Where the default mail links land (HTML pages, not in the OpenAPI document).
    app.include_router(mail_links_router, prefix=prefix, generate_unique_id_function=operation_id)
    if outbox_enabled(settings):
        app.include_router(
            dev_outbox_router, prefix=prefix, generate_unique_id_function=operation_id
        )
    install_exception_handlers(app)
    install_openapi(app)


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the socialflow FastAPI app.

    Bad settings raise :class:`~socialflow.core.settings.SettingsError` here, before
    a server binds a port, with a message that names the setting.
    """
    settings = settings or (platform.settings if platform else load_settings())
    platform = platform or Platform(settings)
    configure_logging(level=settings.log_level, json=settings.log_json)
    platform.start()
    app = FastAPI(
        title=settings.site_name,
        version=__version__,
        description="socialflow: the backend of a social video platform.",
        lifespan=platform.lifespan,
        # expose_docs (off in production) decides; install_docs serves the pages
        # with assets from the package, so they work offline.
        openapi_url="/openapi.json" if settings.docs_exposed else None,
        docs_url=None,
        redoc_url=None,
    )
    install(app, platform)
    if settings.docs_exposed:
        install_docs(app, docs_url="/docs", redoc_url="/redoc", openapi_url="/openapi.json")
    # Routes the apps marked (socialflow.core.http.route_marks): the fast lane, and the
    # uploads that limit their own bodies.
    app.add_middleware(HotRoutes, routes=hot_read_routes(app.routes))  # innermost
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        streaming=StreamingRoutes(streaming_routes(app.routes)),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "Location",
                "Upload-Offset",
                "Upload-Length",
                "Tus-Resumable",
                "Tus-Version",
                "Tus-Extension",
                "Tus-Max-Size",
                "Upload-Expires",
                "Upload-Metadata",
                "Video-Id",
                "X-Request-ID",
            ],
        )
    app.add_middleware(RequestContextMiddleware, metrics=platform.metrics)
    app.add_middleware(SecurityHeaders, settings=settings)
    if settings.trusted_proxies:  # outermost: everything sees the resolved client and scheme
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    # Outermost: sees the direct peer before the proxy headers replace it.
    app.add_middleware(RequestFacts, trusted_proxies=settings.trusted_proxies)
    return app
