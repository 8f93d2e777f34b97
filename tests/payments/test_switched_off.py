"""Payments switched off, or with no provider configured: the rest keeps working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.app import create_app
from socialflow.testing.server import run_server


def test_a_disabled_payments_app_leaves_the_rest_working(
    make_platform: Callable[..., Any],
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    platform = make_platform(disabled_apps=["payments", "ads"])  # ads are paid through payments
    user = make_user()
    assert "payments-sweep" not in platform.celery.conf.beat_schedule
    with run_server(create_app(platform=platform)) as url, httpx.Client(base_url=url) as http:
        headers = auth_headers(user)
        missing = http.get("/api/v1/payments/earnings", headers=headers)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        posted = http.post("/api/v1/posts", json={"text": "still here"}, headers=headers)
        assert posted.status_code == 201, posted.text
        assert http.get("/api/v1/users/me", headers=headers).status_code == 200
        paths = http.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith("/api/v1/payments")]


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {}  # the default: no payment provider


def test_without_a_provider_money_routes_are_a_503_problem(
    client: httpx.Client,
    make_user: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
) -> None:
    creator, fan = make_user(), make_user()
    tier = client.post(
        "/api/v1/payments/tiers",
        json={"name": "Gold", "price": 500, "currency": "usd"},
        headers=auth_headers(creator),
    )
    assert tier.status_code == 201, "offers can be prepared before a provider is set up"
    answer = client.post(
        "/api/v1/payments/subscriptions",
        json={"tier_id": tier.json()["id"]},
        headers=auth_headers(fan),
    )
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("payments-unavailable")
    mine = client.get("/api/v1/payments/subscriptions", headers=auth_headers(fan)).json()
    assert mine["items"] == [], "nothing was written"
    earnings = client.get("/api/v1/payments/earnings", headers=auth_headers(creator))
    assert earnings.status_code == 200
