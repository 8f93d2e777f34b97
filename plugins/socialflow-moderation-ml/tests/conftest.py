"""Outbound network is blocked for the whole run: every model must work offline.

``socket.socket.connect`` (and ``connect_ex``) refuse any address but the
loopback and Unix sockets, and record the attempt; the session fails if any
was made, even one a library swallowed. The test database, Redis and the
platform's own server all live on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

ATTEMPTS: list[str] = []
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _loopback(address):
        ATTEMPTS.append(repr(address))
        raise OSError(f"network blocked in tests: {address!r}")
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if not _loopback(address):
        ATTEMPTS.append(repr(address))
        raise OSError(f"network blocked in tests: {address!r}")
    return _connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_outbound_connections() -> Iterator[None]:
    before = len(ATTEMPTS)
    yield
    assert ATTEMPTS[before:] == [], "a connection left 127.0.0.1"


@pytest.fixture(scope="session")
def landscape() -> bytes:
    from socialflow.testing.conformance.moderation import landscape_jpeg

    return landscape_jpeg()
