"""The HTTP edge: request body limit, security headers, forwarded headers.

Three pure-ASGI middlewares that :func:`socialflow.app.create_app` wraps
around every route (a ``BaseHTTPMiddleware`` would add a task hop per request):

* :class:`BodyLimit` refuses a request body over ``max_body_bytes`` with a
  413 problem *while it streams in*: a ``Content-Length`` over the limit is
  refused before a byte is read, and the bytes of chunked bodies are counted,
  so no route ever buffers more than the limit. Routes that stream their own
  bodies under their own, larger limits are marked by their app with
  :func:`~socialflow.core.http.route_marks.streams_body`.
* :class:`SecurityHeaders` adds ``nosniff``, ``Referrer-Policy``, framing
  rules, a CSP (a looser one for the docs pages), HSTS on HTTPS, and
  ``Cache-Control: no-store`` on personal responses.

``X-Forwarded-For``/``-Proto`` are believed only from ``trusted_proxies``:
``create_app`` adds uvicorn's ``ProxyHeadersMiddleware`` with that list
(outermost, so rate limits, HSTS and logs see the resolved client and
scheme), and ``socialflow serve`` turns uvicorn's own handling (which trusts
127.0.0.1 by default) off. Doing it in the app makes every ASGI server and
the test servers behave alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socialflow.core.errors import PROBLEM_CONTENT_TYPE, problem_type
from socialflow.core.settings import Settings


class StreamingRoutes:
    """Matches requests against the routes that limit their own bodies: (method, full
    path) pairs, from :func:`socialflow.core.http.route_marks.streaming_routes`."""

    def __init__(self, routes: Iterable[tuple[str, str]]) -> None:
        self.routes = [(method, compile_path(path)[0]) for method, path in routes]

    def match(self, scope: Scope) -> bool:
        """Whether this request goes to a route that limits its own body."""
        method, path = scope["method"], scope["path"]
        return any(m == method and regex.fullmatch(path) for m, regex in self.routes)


def _problem_messages(status: int, slug: str, title: str, detail: str, path: str) -> list[Message]:
    """The ASGI messages of a problem+json response that closes the connection."""
    body = json.dumps(
        {
            "type": problem_type(slug),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    ).encode()
    headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        # The rest of the body is not read: the client must not reuse the connection.
        (b"connection", b"close"),
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class BodyLimit:
    """413 problem+json for any request body over ``limit`` bytes, as it arrives.

    When the limit is passed mid-stream, this middleware answers 413 itself
    and tells the route the client went away (``http.disconnect``), so
    whatever the route does about the cut body never reaches the client.
    """

    def __init__(self, app: ASGIApp, *, limit: int, streaming: StreamingRoutes) -> None:
        self.app = app
        self.limit = limit
        self.streaming = streaming

    def _too_large(self, path: str) -> list[Message]:
        return _problem_messages(
            413,
            "payload-too-large",
            "Payload too large",
            f"Request bodies may be at most {self.limit} bytes.",
            path,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.streaming.match(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            for message in self._too_large(scope["path"]):
                await send(message)
            return
        received = 0
        response_started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    if not response_started:
                        for answer in self._too_large(scope["path"]):
                            await send(answer)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 went out; the route's answer to the cut body is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The route failed on the body it was refused: already answered.


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            return int(value) if value.isdigit() else None
    return None


# The docs pages load Swagger UI and ReDoc from this server (socialflow.core.http.docs),
# run an inline start-up script, and ReDoc starts a worker from a blob: URL.
# No user data is rendered on them.
DOCS_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; "
    "img-src 'self' data:; "
    "worker-src 'self' blob:; "
    "connect-src 'self'; "
    "frame-ancestors 'none'"
)
# Everything else is data, never a page: nothing may load or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Security headers on every response; a route's own value of a header wins.

    ``Cache-Control: no-store`` goes on responses that carry personal data:
    answers to requests with an ``Authorization`` header and everything under
    ``{api_prefix}/auth/``, unless the route chose its own caching (signed HLS
    media, for one, stays cacheable). Public responses keep whatever caching
    they had.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.common: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        self.hsts = (
            f"max-age={settings.hsts_max_age_seconds}".encode()
            if settings.hsts_max_age_seconds
            else None
        )
        self.public_https = settings.public_url.startswith("https://")
        self.personal_prefix = settings.api_prefix + "/auth/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers.extend((key, value) for key, value in extra if key not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path: str = scope["path"]
        is_docs = path in DOCS_PATHS or path.startswith("/docs/")
        headers = [
            *self.common,
            (b"content-security-policy", (DOCS_CSP if is_docs else API_CSP).encode()),
        ]
        if self.hsts and (self.public_https or scope.get("scheme") == "https"):
            headers.append((b"strict-transport-security", self.hsts))
        if path.startswith(self.personal_prefix) or _has_header(scope, b"authorization"):
            headers.append((b"cache-control", b"no-store"))
        return headers


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope["headers"])
