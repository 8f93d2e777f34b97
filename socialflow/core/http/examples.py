"""Examples in the OpenAPI document, written once beside each model.

Generated clients, Swagger UI and ReDoc show a model's ``examples``; a request
body or response without one leaves a client author guessing (is ``created_at``
a date or a time? is ``next_cursor`` opaque?). A model says what it looks like
with ``model_config = examples({...})``; a model made of others builds its
example from theirs with :func:`example_of`, so the two cannot drift.
``tests/clients/test_openapi_for_clients.py`` fails on a request body or 2xx JSON response
without one, and on an example its own schema refuses.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict


def examples(*values: dict[str, Any]) -> ConfigDict:
    """A ``model_config`` whose JSON schema carries ``values`` as its ``examples``
    (merged by pydantic with the base class's config, e.g. StrictModel's)."""
    extra: dict[str, Any] = {"examples": list(values)}
    return ConfigDict(json_schema_extra=extra)


def example_of(model: type[BaseModel], **changes: Any) -> dict[str, Any]:
    """A copy of ``model``'s first example, with ``changes`` applied."""
    extra: Any = model.model_config.get("json_schema_extra")
    found = extra.get("examples") if isinstance(extra, dict) else None
    if not found:
        raise LookupError(f"{model.__name__} has no example")
    value = copy.deepcopy(found[0])
    assert isinstance(value, dict)
    value.update(changes)
    return value


def json_example(value: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route returning a JSON body without a model: one 200
    response described by ``description`` with ``value`` as its example."""
    return {200: {"description": description, "content": {"application/json": {"example": value}}}}
