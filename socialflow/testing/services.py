"""Where the test servers are, and skipping (or failing, in strict mode) without them."""

from __future__ import annotations

import os
import shutil
import socket
from functools import cache
from urllib.parse import urlparse

import pytest

STRICT_ENV = "SOCIALFLOW_TEST_STRICT"
BACKEND_ENV = "SOCIALFLOW_TEST_BACKEND"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0", "false")


def backend() -> str:
    return os.environ.get(BACKEND_ENV, "embedded")


def postgres_url() -> str:
    return os.environ.get("SOCIALFLOW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def redis_url() -> str:
    return os.environ.get("SOCIALFLOW_TEST_REDIS_URL", DEFAULT_REDIS_URL)


@cache
def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def skip_or_fail(reason: str) -> None:
    """Skip, unless strict mode says that a missing server is a failure."""
    if strict():
        pytest.fail(f"{reason} ({STRICT_ENV} is set: CI must not skip this)", pytrace=False)
    pytest.skip(reason)


def require_postgres() -> str:
    url = postgres_url()
    if not _reachable(url, 5432):
        skip_or_fail(f"PostgreSQL not reachable at {url}")
    return url


def require_redis() -> str:
    url = redis_url()
    if not _reachable(url, 6379):
        skip_or_fail(f"Redis not reachable at {url}")
    return url


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"`{name}` is not on PATH (apt-get install ffmpeg)")
    assert path is not None
    return path
