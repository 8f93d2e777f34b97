"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), with their assets served by the app.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine
without internet they stay blank. The assets ship in the
``fastapi-offline`` package; :func:`install_docs` serves them under
``{docs_url}/assets/`` and points the pages there, with nothing loaded from
another host.

``create_app`` builds the app with FastAPI's ``docs_url=None,
redoc_url=None`` and calls :func:`install_docs`; an app that wants other
paths, or none, calls it differently (or not at all).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"


def docs_assets_dir() -> Path:
    """The folder of Swagger UI's and ReDoc's files, as installed with ``fastapi-offline``."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(
    app: FastAPI,
    *,
    docs_url: str | None = "/docs",
    redoc_url: str | None = "/redoc",
    openapi_url: str = "/openapi.json",
) -> None:
    """Serve Swagger UI at ``docs_url`` and ReDoc at ``redoc_url`` (``None``: not that
    page), both reading ``openapi_url``, their assets under ``{docs_url or redoc_url}/assets``."""
    base = docs_url or redoc_url
    if base is None:
        return
    assets = f"{base.rstrip('/')}/assets"
    app.mount(assets, StaticFiles(directory=docs_assets_dir()), name="docs-assets")
    title = app.title
    if docs_url:
        oauth2_redirect_url = f"{docs_url.rstrip('/')}/oauth2-redirect"

        @app.get(docs_url, include_in_schema=False)
        async def swagger_ui() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - API",
                swagger_js_url=f"{assets}/{SWAGGER_JS}",
                swagger_css_url=f"{assets}/{SWAGGER_CSS}",
                swagger_favicon_url=f"{assets}/{FAVICON}",
                oauth2_redirect_url=oauth2_redirect_url,
            )

        @app.get(oauth2_redirect_url, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

    if redoc_url:

        @app.get(redoc_url, include_in_schema=False)
        async def redoc() -> HTMLResponse:
            return get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - API reference",
                redoc_js_url=f"{assets}/{REDOC_JS}",
                redoc_favicon_url=f"{assets}/{FAVICON}",
                with_google_fonts=False,
            )
