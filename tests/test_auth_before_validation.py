"""Every route that refuses an anonymous caller refuses it with 401 whatever the body.

FastAPI parses a JSON body before it runs dependencies, so without care a
malformed body would earn an anonymous caller a 422 that describes the body
of a route it may not use. The routes come from the app's OpenAPI document,
so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

BODIES: dict[str, dict[str, Any]] = {
    "empty object": {"json": {}},
    "wrong types": {"json": {"password": 1, "bio": ["x"], "items": "x"}},
    "not an object": {"json": [1, 2]},
    "malformed JSON": {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
}


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", template))  # any value: auth comes first
        for template, operations in app.openapi()["paths"].items()
        for method in operations
    ]


def test_anonymous_caller_gets_401_before_any_body_check(
    app: FastAPI, client: httpx.Client
) -> None:
    private = [
        (method, path)
        for method, path in _operations(app)
        if client.request(method, path).status_code == 401
    ]
    assert len(private) > 20  # /users/me, sessions, 2FA, posts, videos, notifications...
    answers = {
        (method, path, body): client.request(method, path, **BODIES[body]).status_code
        for method, path in private
        for body in BODIES
    }
    assert {key: status for key, status in answers.items() if status != 401} == {}
