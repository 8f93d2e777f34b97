"""ASGI apps the social benchmark serves with uvicorn (``--factory``).

``social`` is the real socialflow app for the project in ``SOCIALFLOW_PROJECT_DIR``;
``bare`` is a bare FastAPI JSON endpoint, the same-run baseline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI


def social() -> Any:
    from socialflow.app import create_app
    from socialflow.core.settings import load_settings

    return create_app(load_settings())


def bare() -> FastAPI:
    app = FastAPI()

    @app.get("/json")
    async def json_endpoint() -> dict[str, object]:
        return {"items": [], "next_cursor": None}

    # The same bytes a feed page carries, served the plain FastAPI way (the
    # dict returned, FastAPI encodes it): what "just return the page" costs.
    page_file = os.environ.get("BENCH_PAGE_FILE")
    page = json.loads(Path(page_file).read_text()) if page_file else {"items": []}

    @app.get("/page")
    async def page_endpoint() -> dict[str, Any]:
        return page

    return app
