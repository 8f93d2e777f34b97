"""Request ids, structured JSON logs and Prometheus metrics.

One pure-ASGI middleware does all three per request (a ``BaseHTTPMiddleware``
would add a task hop to every request). Metrics live in a registry per
platform, so two apps in one process (tests, embedding) do not collide.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socialflow.core.errors import internal_error_response

logger = logging.getLogger("socialflow.core.errors")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Values of these keys are replaced before a log line is written.
_SECRET_KEYS = re.compile(
    r"(password|passwd|secret|token|authorization|otp|api[_-]?key|cookie|signature|sig)",
    re.IGNORECASE,
)


def _redact(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key != "event" and _SECRET_KEYS.search(key):
            event_dict[key] = "[redacted]"
    return event_dict


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to whatever ``sys.stderr`` is now (test capture, redirection), not at setup."""

    @property  # type: ignore[override,unused-ignore]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    """Route stdlib and structlog logging through one JSON (or console) renderer."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        # filter_by_level first: a line below the level costs a level check,
        # not a timestamp and a trip through every processor.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _CurrentStderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    handler.set_name("socialflow")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "socialflow"]
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log duplicates ours (ours carries the request id).
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("uvicorn.access").handlers = []


class Metrics:
    """The platform's Prometheus collectors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "socialflow_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "socialflow_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.events = Counter(
            "socialflow_events_total",
            "Domain events emitted, by name.",
            ["event"],
            registry=self.registry,
        )
        feed_cache = Counter(
            "socialflow_feed_cache_requests_total",
            "Feed pages sent from the feed cache (hit), assembled from cached posts by a "
            "cached skeleton (assembled), or built (miss).",
            ["result"],
            registry=self.registry,
        )
        # Bound once: looking a label up costs more than the increment.
        self.feed_cache_hits = feed_cache.labels("hit")
        self.feed_cache_assembled = feed_cache.labels("assembled")
        self.feed_cache_misses = feed_cache.labels("miss")
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.tasks_enqueued = Counter(
            "socialflow_tasks_enqueued_total",
            "Celery tasks sent, by task name.",
            ["task"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (label children kept: a lookup costs more
        than the increment; routes are templates, so the set stays small)."""
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class RequestContextMiddleware:
    """Assigns a request id, logs one line per request, records metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.log = structlog.get_logger("socialflow.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER)
        # Ids must be unique, not secret: Mersenne Twister bits (reseeded in forked
        # workers) cost no system call, where os.urandom releases the GIL, and a
        # busy thread may then keep it for a switch interval.
        request_id = (
            incoming
            if incoming and _VALID_REQUEST_ID.match(incoming)
            else f"{random.getrandbits(128):032x}"
        )
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status_holder = [500]
        response_started = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answer here rather than in Starlette's outermost handler, so the
            # 500 carries the request id like every other response.
            if response_started:
                raise
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await internal_error_response(scope.get("path", ""))(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "")
            if self.metrics is not None:
                self.metrics.observe_request(method, route, status_holder[0], elapsed)
            self.log.info(
                "request",
                method=method,
                route=route,
                path=scope.get("path"),
                status=status_holder[0],
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's full path template, so metrics don't explode per id.

    FastAPI records the innermost route, whose template lacks the prefixes of
    the routers it was included through; the concrete path minus the route's
    own concrete tail gives that prefix back.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not template:
        return "unmatched"
    path: str = scope.get("path", "")
    try:
        tail = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return str(template)
    prefix = path[: len(path) - len(tail)] if tail and path.endswith(tail) else ""
    return f"{prefix}{template}"
