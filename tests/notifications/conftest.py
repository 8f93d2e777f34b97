"""Fixtures for the notification tests: the social ones (users with tokens, short
HTTP calls), re-exported rather than copied, plus helpers to read notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported

Api = Callable[..., httpx.Response]


def notes(call: Api, who: Actor, **params: Any) -> list[dict[str, Any]]:
    """``who``'s first page of notifications (``limit`` 100 unless given)."""
    params.setdefault("limit", 100)
    response = call("GET", "/notifications", who, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def kinds_of(call: Api, who: Actor, **params: Any) -> list[tuple[str, str]]:
    """``[(kind, actor username), ...]`` newest first."""
    return [(n["kind"], n["actor"]["username"]) for n in notes(call, who, **params)]


def unread(call: Api, who: Actor) -> int:
    response = call("GET", "/notifications/unread_count", who)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def comment(call: Api, who: Actor, post_id: int, text: str, parent_id: int | None = None) -> int:
    body: dict[str, Any] = {"text": text}
    if parent_id is not None:
        body["parent_id"] = parent_id
    response = call("POST", f"/posts/{post_id}/comments", who, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}
