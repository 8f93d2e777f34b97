"""The OpenAPI document, told truthfully: problem responses, operation ids.

Every error the API sends is an RFC 9457 problem (``application/problem+json``,
see :mod:`socialflow.core.errors`); FastAPI's document would say
``422 HTTPValidationError`` as ``application/json`` and nothing else.
:func:`install_openapi` rewrites the document once, when it is first built:

- a ``Problem`` schema, and every 4xx response of every operation described
  with it under ``application/problem+json`` (FastAPI's 422 included);
- the problems each route can give because of what it depends on, found on
  the route: 400 where a body is read (one that cannot be decoded), 401
  where a bearer token is read (a bad token is refused even where a token is
  optional, and such routes say so with an empty alternative in
  ``security``), 403 behind a role check, 404 where the path names an object,
  422 where anything is parsed, 429 behind the rate limiter;
- the others a route declares itself, with ``responses=problems(409, 413)``.

Operation ids come from :func:`operation_id`: short and stable
(``auth_login``, ``posts_read_post``), the tag then the endpoint's name.

For client generators and readers, :func:`describe_tags` lists every tag with
the first line of its router module's docstring, groups the tags by the app
that serves them (``x-tagGroups``, which ReDoc shows as sections), and hands a
tag the guide (``externalDocs``) its operations link to: the tus, Server-Sent
Events and WebSocket protocols are more than a schema can say.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel, ConfigDict, Field

from socialflow.core.errors import CALLER_CHECK_ATTRIBUTE, PROBLEM_CONTENT_TYPE
from socialflow.core.http import deps
from socialflow.core.http.route_marks import api_routes

DOCS_URL = "https://github.com/socialflow/socialflow/blob/main/docs"
"""Where the guides live (``docs/`` of the source tree): operations and tags whose
protocol is more than JSON (tus, Server-Sent Events, the WebSocket) link there."""

PROBLEM_SCHEMA = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}

DESCRIPTIONS = {
    400: "Bad request: the request breaks the protocol (a problem).",
    401: "Authentication required, or the bearer token is invalid or expired.",
    403: "The caller may not do this.",
    404: "No such object, or the caller may not see it.",
    405: "Method not allowed.",
    409: "Conflict with the current state.",
    410: "Gone.",
    412: "Precondition failed.",
    413: "The body is too large.",
    415: "Unsupported media type.",
    416: "The range cannot be satisfied.",
    422: "The request is not valid: `errors` lists each field.",
    423: "Locked: another request holds the object.",
    429: "Too many requests: wait `Retry-After` seconds.",
    460: "Checksum mismatch (tus): the body was discarded.",
    503: "A service the API needs is unavailable; retry later.",
}


class FieldError(BaseModel):
    """One invalid field of a 422 problem."""

    field: str = Field(description="Dotted path of the field, e.g. `text` or `ids.3`.")
    location: str | None = Field(
        default=None, description="`body`, `query`, `path` or `header`, when known."
    )
    message: str
    code: str = Field(description="A stable machine-readable code, e.g. `string_too_long`.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: what every error response of this API is."""

    model_config = ConfigDict(extra="allow", title=PROBLEM_SCHEMA)

    type: str = Field(description="A stable URN naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request.")
    errors: list[FieldError] | None = Field(
        default=None, description="The invalid fields (422 only)."
    )


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One OpenAPI response object: a problem of ``status``."""
    return {
        "description": description or DESCRIPTIONS.get(status) or _phrase(status),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}},
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the problems it can answer beyond those
    :func:`install_openapi` finds by itself (``problems(409, 413)``)."""
    return {status: problem_response(status) for status in statuses}


def docs_link(page: str, description: str) -> dict[str, str]:
    """An OpenAPI ``externalDocs`` object for the guide ``page`` (``"video.md"``)."""
    return {"url": f"{DOCS_URL}/{page}", "description": description}


def operation_id(route: Any) -> str:
    """``{tag}_{endpoint}`` (just the endpoint's name when it starts with the tag):
    short, and stable across releases as long as the function keeps its name."""
    name = getattr(route.endpoint, "__name__", route.name)
    tag = str(route.tags[0]) if route.tags else ""
    base = name if not tag or name == tag or name.startswith(f"{tag}_") else f"{tag}_{name}"
    if len(route.methods or ()) > 1:
        base = f"{base}_{sorted(route.methods)[0].lower()}"
    return base.replace("-", "_")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def implied_problems(route: Any) -> set[int]:
    """The problems ``route`` can give because of its parameters and dependencies."""
    calls = set(_calls(route.dependant))
    found: set[int] = set()
    extra = route.openapi_extra or {}
    if _reads_token(calls):
        found.add(401)
    if route.body_field is not None or extra.get("requestBody"):
        found.add(400)  # a body that cannot be decoded at all
    if deps.get_rate_limiter in calls:
        found.add(429)
    if any("require_role" in getattr(call, "__qualname__", "") for call in calls):
        found.add(403)
    if "{" in route.path_format:
        found.add(404)
    dependant = route.dependant
    if (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or route.body_field is not None
        or extra.get("parameters")
        or extra.get("requestBody")
    ):
        found.add(422)
    return found


def token_is_optional(route: Any) -> bool:
    """True when ``route`` reads a bearer token but serves anonymous callers too."""
    calls = set(_calls(route.dependant))
    return _reads_token(calls) and not any(hasattr(c, CALLER_CHECK_ATTRIBUTE) for c in calls)


def _reads_token(calls: set[Callable[..., Any]]) -> bool:
    """Whether one of ``calls`` reads a bearer token (marked with ``TOKEN_READER_ATTRIBUTE``
    by the app that authenticates, so the kernel need not know it)."""
    return any(getattr(call, TOKEN_READER_ATTRIBUTE, False) for call in calls)


TOKEN_READER_ATTRIBUTE = "socialflow_reads_bearer_token"  # noqa: S105 - a name, not a secret
"""Set (to True) on the dependency that reads ``Authorization: Bearer``: routes that
depend on it are documented with 401, and as open to anonymous callers unless a
dependency marked with ``CALLER_CHECK_ATTRIBUTE`` demands a caller."""

OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"HTTPBearer": []}]
"""``security`` of an operation open to anonymous callers that also takes a token."""


def _problem_components() -> dict[str, Any]:
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components[PROBLEM_SCHEMA] = schema
    return components


def _operations(document: dict[str, Any], routes: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """(route, its operation in ``document``) for each API route, included routers
    walked the way FastAPI walks them to build the document."""
    paths = document.get("paths", {})
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                yield route, operation


def describe_problems(document: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """``document`` with every error response a ``Problem`` (see the module doc)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_problem_components())
    for route, operation in _operations(document, routes):
        if token_is_optional(route):
            operation["security"] = list(OPTIONAL_BEARER)
        responses = operation.setdefault("responses", {})
        for status in sorted(implied_problems(route)):
            responses.setdefault(str(status), problem_response(status))
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400:
                described = response.get("description")
                generic = not described or described == "Validation Error"
                response["description"] = (
                    problem_response(int(code))["description"] if generic else described
                )
                response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}}
    # FastAPI's validation error schemas are referenced by nothing any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def _app_of(route: Any) -> str:
    """The app serving ``route``: ``socialflow.<app>...`` gives ``<app>``, a plugin's
    module its top-level package."""
    parts = getattr(route.endpoint, "__module__", "").split(".")
    if parts[0] == "socialflow" and len(parts) > 1:
        return "core" if parts[1] == "core" else parts[1]
    return parts[0] or "other"


def _summary_line(route: Any) -> str:
    module = sys.modules.get(getattr(route.endpoint, "__module__", ""))
    doc = (getattr(module, "__doc__", None) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def describe_tags(document: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """``document`` with ``tags`` (described, linked to their guide) and ``x-tagGroups``
    (tags by app); see the module doc."""
    tags: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = {}
    for route, operation in _operations(document, routes):
        for tag in operation.get("tags", ()):
            entry = tags.setdefault(tag, {"name": tag, "description": _summary_line(route)})
            if "externalDocs" in operation:
                entry.setdefault("externalDocs", operation["externalDocs"])
            if not any(tag in names for names in groups.values()):  # one group per tag
                groups.setdefault(_app_of(route), []).append(tag)
    document["tags"] = [tags[name] for name in sorted(tags)]
    document["x-tagGroups"] = [
        {"name": app, "tags": sorted(names)} for app, names in sorted(groups.items())
    ]
    document.setdefault(
        "externalDocs", {"url": DOCS_URL, "description": "Guides for app developers and operators"}
    )
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe problems (built once, then cached by FastAPI)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_tags(describe_problems(build(), app.routes), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
