"""ASGI apps the video upload benchmark serves, each in its own uvicorn process.

``socialflow_app``: the real platform (tus through the storage backend and DB).
``tuspyserver_app``: the PyPI FastAPI tus router, writing to local disk.
``bare_app``: the floor: a raw ASGI handler streaming the body to a file.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any


def socialflow_app() -> Any:
    from socialflow.app import create_app

    return create_app()


def tuspyserver_app() -> Any:
    from fastapi import FastAPI
    from tuspyserver import create_tus_router

    app = FastAPI()
    folder = os.environ["BENCH_FILES_DIR"]
    app.include_router(create_tus_router(prefix="files", files_dir=folder, max_size=8 * 1024**3))
    return app


def bare_app() -> Any:
    folder = Path(os.environ["BENCH_FILES_DIR"])

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        fd = os.open(folder / uuid.uuid4().hex, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            more = True
            while more:
                message = await receive()
                os.write(fd, message.get("body", b""))
                more = message.get("more_body", False)
        finally:
            os.close(fd)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app
