"""A real HTTP server for tests: uvicorn in a thread on a free loopback port.

The server's log lines (socialflow's JSON request log among them) go to a
file, not to the terminal: the server thread often logs a request after the
client already has its response, when the test has ended and pytest is
printing its progress, and the line would land in the middle of it. Records
still reach pytest's log capture (``caplog``, "Captured log" on failure).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import uvicorn

# Set in a test server's thread; requests inherit it (asyncio tasks and the
# thread pool of sync endpoints copy the context they start in).
_server_log: ContextVar[logging.Handler | None] = ContextVar("socialflow_server_log", default=None)
# The handler socialflow.core.observability.configure_logging installs on the root logger.
_SOCIALFLOW_HANDLER = "socialflow"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _ToServerLog(logging.Filter):
    """On socialflow's stderr handler: a record logged while a test server handles a
    request goes to that server's log file instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        handler = _server_log.get()
        if handler is None:
            return True
        handler.handle(record)
        return False


_TO_SERVER_LOG = _ToServerLog()


def _divert_socialflow_handler() -> logging.Formatter | None:
    """Attach the filter to socialflow's handler (rebuilt by every ``create_app``);
    return its formatter, so that the file gets the same lines."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _SOCIALFLOW_HANDLER:
            if _TO_SERVER_LOG not in handler.filters:
                handler.addFilter(_TO_SERVER_LOG)
            return handler.formatter
    return None


def _default_log_path(app: Any, port: int) -> Path:
    platform = getattr(getattr(app, "state", None), "socialflow", None)
    if platform is not None:
        return Path(platform.settings.project_dir) / f"server-{port}.log"
    return Path(tempfile.gettempdir()) / f"socialflow-test-server-{port}.log"


@contextmanager
def run_server(
    app: Any, *, port: int | None = None, timeout: float = 20, log: Path | None = None
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL.

    Its log lines go to ``log`` (default: ``server-<port>.log`` in the app's
    project folder, or the temporary folder for other apps).
    """
    port = port or free_port()
    log_path = log or _default_log_path(app, port)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(log_path, encoding="utf-8")
    formatter = _divert_socialflow_handler()
    if formatter is not None:
        file_handler.setFormatter(formatter)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
        # Like `socialflow serve`: X-Forwarded-* are the app's business (trusted_proxies);
        # uvicorn's own handling would believe any local client.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        _server_log.set(file_handler)
        server.run()

    thread = threading.Thread(target=serve, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"test server on port {port} did not start (log: {log_path})")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        with contextlib.suppress(Exception):
            file_handler.close()
