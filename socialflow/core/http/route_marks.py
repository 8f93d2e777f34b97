"""Marks an app puts on its route functions for the kernel's middlewares.

The kernel knows no app's paths. An app marks the endpoints that need
special handling at the edge, and ``create_app`` finds them among the
mounted routes:

* :func:`streams_body`: the endpoint reads its body as a stream and enforces
  its own size limit (tus uploads, images, avatars), so the global
  ``max_body_bytes`` limit must not cut it off.
* :func:`hot_read`: a ``GET`` endpoint that takes only the request and answers
  from a cache; the fast lane (:mod:`socialflow.core.http.hot_routes`) calls it
  without FastAPI's routing when its path has no parameters.

Put the mark under the router's decorator(s), next to the function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fastapi import routing
from fastapi.routing import APIRoute

F = TypeVar("F", bound=Callable[..., Any])
STREAMS_BODY = "socialflow_streams_body"
HOT_READ = "socialflow_hot_read"


def streams_body(endpoint: F) -> F:
    """Mark ``endpoint`` as reading its body as a stream under a limit of its own."""
    setattr(endpoint, STREAMS_BODY, True)
    return endpoint


def hot_read(endpoint: F) -> F:
    """Mark ``endpoint`` (``async def endpoint(request)``) for the fast lane."""
    setattr(endpoint, HOT_READ, True)
    return endpoint


def api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every API route of ``routes``, with its full path (``path_format``)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:  # FastAPI before route contexts copied included routes
        yield from (route for route in routes if isinstance(route, APIRoute))
        return
    for context in iterate(list(routes)):
        if isinstance(context.original_route, APIRoute):
            yield context


def _endpoint(route: Any) -> Any:
    return getattr(route, "original_route", route).endpoint


def streaming_routes(routes: Iterable[Any]) -> list[tuple[str, str]]:
    """(method, full path) of every route marked :func:`streams_body`."""
    return sorted(
        (method, route.path_format)
        for route in api_routes(routes)
        if getattr(_endpoint(route), STREAMS_BODY, False)
        for method in route.methods or ()
    )


def hot_read_routes(routes: Iterable[Any]) -> dict[str, APIRoute]:
    """Full path -> route of every ``GET`` route marked :func:`hot_read` without path
    parameters (the fast lane matches exact paths)."""
    return {
        route.path_format: getattr(route, "original_route", route)
        for route in api_routes(routes)
        if getattr(_endpoint(route), HOT_READ, False)
        and "GET" in (route.methods or ())
        and "{" not in route.path_format
    }
