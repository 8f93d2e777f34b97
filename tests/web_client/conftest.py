"""Fixtures of the web client tests: the platform's app with ``examples/web`` mounted
as ``socialflow demo`` mounts it, served on a port its signed media URLs point at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialflow.testing.server import free_port, run_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "web"


@pytest.fixture
def server_port() -> int:
    return free_port()


@pytest.fixture
def socialflow_overrides(server_port: int) -> dict[str, Any]:
    # Signed playback URLs are absolute (public_url): the page must find them on its origin.
    return {"public_url": f"http://127.0.0.1:{server_port}"}


@pytest.fixture
def app(platform: Any) -> Any:
    from socialflow.app import create_app
    from socialflow.demo.web_client import install_web_client

    app = create_app(platform=platform)
    install_web_client(app, EXAMPLE)
    return app


@pytest.fixture
def live_server(app: Any, server_port: int) -> Iterator[str]:
    with run_server(app, port=server_port) as url:
        yield url
