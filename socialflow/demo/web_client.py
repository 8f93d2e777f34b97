"""The example web client (``examples/web``) served by the demo at ``/web/``.

``socialflow demo`` runs :func:`create_demo_app`: the platform's app with the
folder mounted as static files. The platform's security headers stay on
every response; only the client's own files carry a Content-Security-Policy
of their own (the platform keeps a route's own value of a header), so the
API keeps its ``default-src 'none'`` and the relaxation stops at ``/web/``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import socialflow
from socialflow.app import create_app
from socialflow.core.settings import Settings

WEB_CLIENT_PATH = "/web"
# The client loads its scripts, modules and styles from this server (no inline
# script), talks to the API and the realtime WebSocket on the same origin, and
# plays HLS through Media Source Extensions, whose streams are blob: URLs.
WEB_CLIENT_CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data: blob:; "
    "media-src 'self' blob:; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def example_web_client() -> Path | None:
    """``examples/web`` of the source checkout socialflow runs from (an editable
    install, as the README's demo command makes), or ``None`` in a wheel install."""
    folder = Path(socialflow.__file__).resolve().parent.parent / "examples" / "web"
    return folder if (folder / "index.html").is_file() else None


class _WithPolicy:
    """Adds the web client's CSP to every response of the wrapped ASGI app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", WEB_CLIENT_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_policy)


def install_web_client(app: FastAPI, directory: Path, *, path: str = WEB_CLIENT_PATH) -> None:
    """Serve ``directory`` at ``path`` (``index.html`` for the folder itself)."""
    static = StaticFiles(directory=directory, html=True)
    app.mount(path, _WithPolicy(static), name="web-client")


def create_demo_app(settings: Settings | None = None) -> FastAPI:
    """The demo's app (a uvicorn factory): the platform, plus the example web client at
    ``/web/`` when this install has it."""
    app = create_app(settings)
    folder = example_web_client()
    if folder is not None:
        install_web_client(app, folder)
    return app
