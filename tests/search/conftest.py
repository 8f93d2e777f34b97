"""The search tests reuse the social tests' actors and API client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.social.conftest import actor, api

__all__ = ["actor", "api", "search_items"]


def search_items(api: Callable[..., httpx.Response], q: str, type_: str) -> list[dict[str, Any]]:
    """The first page of ``GET /search`` as an anonymous caller."""
    response = api("GET", "/search", None, params={"q": q, "type": type_})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
