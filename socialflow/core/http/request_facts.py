"""What listeners off the request path may know of the request they run in.

Some work triggered by a request runs far from its route: a ``before_commit``
listener (the analytics app's event capture) sees a session, not a request.
:class:`RequestFacts` is a pure-ASGI middleware, outermost, that puts the
request's headers and whether its **direct peer** is one of
``trusted_proxies`` into a context variable that :func:`current_request`
reads (sync routes run in a worker thread that inherits the context).

Outermost on purpose: uvicorn's ``ProxyHeadersMiddleware`` replaces the
peer's address by the forwarded client's, after which nothing can tell
whether the request came through a trusted proxy. A header a proxy sets
(such as a country code) may only be believed when it did.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class RequestInfo:
    """The raw ASGI headers of the request, and whether its direct peer is a trusted proxy."""

    raw_headers: tuple[tuple[bytes, bytes], ...]
    via_trusted_proxy: bool

    def header(self, name: str) -> str | None:
        """One header's value (case-insensitive name), or None."""
        return Headers(raw=list(self.raw_headers)).get(name)


_current: ContextVar[RequestInfo | None] = ContextVar("socialflow_request_info", default=None)


def current_request() -> RequestInfo | None:
    """The request this code runs for, or None (a task, a CLI command, a test session)."""
    return _current.get()


class TrustedPeers:
    """Membership of an address in ``trusted_proxies`` (addresses, networks, or ``*``)."""

    def __init__(self, entries: Iterable[str]) -> None:
        entries = list(entries)
        self.everyone = "*" in entries
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries if e != "*"]

    def __contains__(self, host: object) -> bool:
        if self.everyone:
            return True
        if not isinstance(host, str) or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


class RequestFacts:
    """Sets :func:`current_request` for the request's duration (one context variable)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = TrustedPeers(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        info = RequestInfo(
            raw_headers=tuple(scope.get("headers") or ()),
            via_trusted_proxy=client is not None and client[0] in self.trusted,
        )
        token = _current.set(info)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
