"""Helpers for the social tests: users with tokens, and short HTTP calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


@dataclass
class Actor:
    """A user and the headers that authenticate them."""

    user: Any
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return int(self.user.id)

    @property
    def name(self) -> str:
        return str(self.user.username)


@pytest.fixture
def actor(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> Callable[..., Actor]:
    def factory(username: str | None = None, **fields: Any) -> Actor:
        user = make_user(username, **fields)
        return Actor(user, auth_headers(user))

    return factory


@pytest.fixture
def api(client: httpx.Client) -> Callable[..., httpx.Response]:
    """``api("POST", "/posts", who, json=...)`` -> response (``who`` may be None)."""

    def call(method: str, path: str, who: Actor | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(who.headers) if who else {}
        return client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    return call


def make_post(
    api: Callable[..., httpx.Response], who: Actor, text: str, visibility: str = "public"
) -> dict[str, Any]:
    response = api("POST", "/posts", who, json={"text": text, "visibility": visibility})
    assert response.status_code == 201, response.text
    return response.json()


def follow(api: Callable[..., httpx.Response], who: Actor, target: Actor) -> str:
    response = api("POST", f"/users/{target.name}/follow", who)
    assert response.status_code == 200, response.text
    return str(response.json()["state"])


def feed_ids(
    api: Callable[..., httpx.Response], path: str, who: Actor | None, **params: Any
) -> list[int]:
    response = api("GET", path, who, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def all_pages(
    api: Callable[..., httpx.Response], path: str, who: Actor | None, limit: int = 5
) -> list[int]:
    ids: list[int] = []
    cursor = None
    for _ in range(200):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = api("GET", path, who, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids
    raise AssertionError("pagination did not end")
