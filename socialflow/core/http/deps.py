"""Dependencies every router shares: the platform, a session, the client, paging.

Use the ``Annotated`` aliases in route signatures (``session: SessionDep``,
``page: PageDep``); plugin routers use them too. Who the caller is comes from
the accounts app (:mod:`socialflow.accounts.deps`: ``CurrentUser``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Query, Request
from sqlmodel import Session

from socialflow.core.http.types import Cursor, id_cursor
from socialflow.core.platform import Platform
from socialflow.core.ratelimit import RateLimiter


def get_platform(request: Request) -> Platform:
    """The platform serving this request (``app.state.socialflow``), started on first use."""
    platform: Platform = request.app.state.socialflow
    return platform.start()


PlatformDep = Annotated[Platform, Depends(get_platform)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request, platform: PlatformDep) -> Iterator[Session]:
    """A session per request; read-only for safe methods, which must not write."""
    with platform.session(read_only=request.method in SAFE_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_write_session(platform: PlatformDep) -> Iterator[Session]:
    """For the rare GET that must write (an OAuth callback signs a user in)."""
    with platform.session() as session:
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


T = TypeVar("T")


async def in_session(
    platform: Platform,
    work: Callable[..., T],
    /,
    limiter: anyio.CapacityLimiter | None = None,
    **kwargs: Any,
) -> T:
    """Run a service function with its own session in a worker thread (``async`` routes).

    ``limiter`` bounds how many such calls run at once (e.g. image decodes).
    """

    def run() -> T:
        with platform.session() as session:
            return work(session=session, **kwargs)

    return await anyio.to_thread.run_sync(run, limiter=limiter)


def get_client_ip(request: Request) -> str:
    """The client's address: the peer's, or the one a proxy in ``trusted_proxies`` forwarded.

    ``create_app`` resolves ``X-Forwarded-For`` from trusted proxies only
    (``socialflow.core.http.edge``), so a client cannot choose its own rate-limit key.
    """
    return request.client.host if request.client else ""


ClientIp = Annotated[str, Depends(get_client_ip)]


_building_rate_limiter = threading.Lock()


def get_rate_limiter(platform: PlatformDep) -> RateLimiter:
    """The platform's rate limiter, built on first use and kept on the platform.

    Built once, under a lock: the first requests of a process arrive together,
    and building several at once raced inside ``limits`` (its Redis storage
    checks the client's version on first import and saw none: 500s).
    """
    limiter: RateLimiter | None = platform.__dict__.get("_socialflow_rate_limiter")
    if limiter is None:
        with _building_rate_limiter:
            limiter = platform.__dict__.get("_socialflow_rate_limiter")
            if limiter is None:
                limiter = RateLimiter(platform.settings)
                platform.__dict__["_socialflow_rate_limiter"] = limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


class Page:
    """Cursor pagination parameters: ``?cursor=&limit=``."""

    def __init__(
        self,
        cursor: Annotated[Cursor | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.cursor = cursor
        self.limit = limit

    def id_cursor(self) -> int | None:
        """The cursor of a page ordered by row id, as that id (422 ``invalid-cursor`` if not)."""
        return id_cursor(self.cursor)


PageDep = Annotated[Page, Depends()]
