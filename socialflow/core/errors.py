"""RFC 9457 problem details for every error response.

Raise :class:`Problem` (or a subclass) anywhere below the API; the handlers
installed by :func:`install_exception_handlers` turn it, FastAPI's validation
errors, Starlette's HTTP errors and anything unexpected into
``application/problem+json`` with a stable ``type``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # services raise these errors without importing FastAPI
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

logger = logging.getLogger("socialflow.core.errors")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:socialflow:problem:"


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_PREFIX}{slug}"


class Problem(Exception):  # noqa: N818 - it is the RFC's own word
    """An error a client should see, with a stable machine-readable ``slug``."""

    status: int = 400
    slug: str = "bad-request"
    title: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title or self.title or "")
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors else None
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class ValidationProblem(Problem):
    status, slug, title = 422, "validation-error", "Invalid request"


class RateLimited(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(
            detail or f"Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    from fastapi.responses import JSONResponse

    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title or _status_phrase(status),
        "status": status,
        "detail": detail or title or _status_phrase(status),
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = list(errors)
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_CONTENT_TYPE
    )


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
    422: "validation-error",
    423: "locked",
    429: "rate-limited",
    500: "internal-error",
    503: "service-unavailable",
}


def slug_for_status(status: int) -> str:
    return _SLUG_BY_STATUS.get(status, f"http-{status}")


async def handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        errors=exc.errors,
        extra=exc.extra,
    )


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    status = int(getattr(exc, "status_code", 500))
    raw_detail = getattr(exc, "detail", None)
    detail = raw_detail if isinstance(raw_detail, str) else None
    return problem_response(
        request,
        status=status,
        slug=slug_for_status(status),
        detail=detail,
        headers=getattr(exc, "headers", None),
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        fields.append(
            {
                "field": ".".join(location[1:]) or ".".join(location),
                "location": location[0] if location else "body",
                "message": error.get("msg", "invalid"),
                "code": error.get("type", "invalid"),
            }
        )
    return fields


# A dependency that authenticates the caller carries this attribute: a function of
# the request that raises a Problem (401) unless the request has valid credentials.
CALLER_CHECK_ATTRIBUTE = "socialflow_caller_check"


def _caller_check(request: Request) -> Callable[[Request], None] | None:
    """The caller check among the matched route's dependencies, if it has one."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        check: Callable[[Request], None] | None = getattr(
            current.call, CALLER_CHECK_ATTRIBUTE, None
        )
        if check is not None:
            return check
        pending.extend(current.dependencies)
    return None


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    # FastAPI parses a JSON body before it runs dependencies: on a route that needs a
    # caller, answer an anonymous one 401 before saying anything about the body.
    check = _caller_check(request)
    if check is not None:
        try:
            check(request)
        except Problem as refused:
            return await handle_problem(request, refused)
    errors = _field_errors(exc)  # type: ignore[arg-type]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(
        request,
        status=422,
        slug="validation-error",
        title="Invalid request",
        detail=summary or "The request is not valid.",
        errors=errors,
    )


INTERNAL_ERROR_DETAIL = (
    "Something went wrong on our side; the request id identifies it in our logs."
)


def internal_error_response(instance: str) -> JSONResponse:
    """The 500 problem: never the exception text, which could hold secrets."""
    from fastapi.responses import JSONResponse

    body = {
        "type": problem_type("internal-error"),
        "title": "Internal server error",
        "status": 500,
        "detail": INTERNAL_ERROR_DETAIL,
        "instance": instance,
    }
    return JSONResponse(body, status_code=500, media_type=PROBLEM_CONTENT_TYPE)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Last resort, for apps that embed our routers without our middleware."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return internal_error_response(request.url.path)


def install_exception_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem+json response."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(Problem, handle_problem)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(Exception, _handle_unexpected)
