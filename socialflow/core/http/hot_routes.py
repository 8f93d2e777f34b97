"""A fast lane for the hottest read routes, past FastAPI's router.

On top of the endpoint, FastAPI (0.165) spends time on every request that
grows with the number of routes in the app (it walks the route list several
times, to match and to check whether routes changed) and solves
dependencies even for an endpoint that takes only the request: in-process,
about half of a cached feed page's time. The feed endpoints need none of it:
they parse their own query and send bytes from the feed cache.

:class:`HotRoutes` is an ASGI middleware that ``create_app`` puts innermost
in its stack (request ids, metrics, access logs and CORS all still apply):
``GET`` requests for exactly these paths go straight to the same endpoint
functions, and the problems they raise to the same handler; every other
request goes on to the router. The routes stay in the router as well, for
the OpenAPI document and for apps that mount the routers themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from socialflow.core.errors import Problem, handle_problem


class HotRoutes:
    """Serve ``routes`` (full path -> route) directly; pass everything else on."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, APIRoute]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = None
        if scope["type"] == "http" and scope["method"] == "GET":
            route = self.routes.get(scope["path"])
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route  # what the router would record (metrics label it)
        request = Request(scope, receive)
        try:
            response = await route.endpoint(request)
        except Problem as exc:
            response = await handle_problem(request, exc)
        await response(scope, receive, send)
