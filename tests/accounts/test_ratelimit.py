"""Rate limits and progressive lockout, as clients see them: 429 problem+json with Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from socialflow.accounts.models import User
from socialflow.core.ratelimit import RateLimiter
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from socialflow.testing.services import backend


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any]) -> dict[str, Any]:
    return {
        **accounts_overrides,
        "rate_limits": {
            "login_per_ip": "8/minute",
            "login_per_account": "100/minute",
            "register_per_ip": "2/hour",
            "password_reset_per_account": "2/hour",
            "lockout_tiers": ["3/minute", "5/hour"],
        },
    }


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/login", json={"username_or_email": username, "password": password}
    )


def _assert_429(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:socialflow:problem:rate-limited"
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    assert response.json()["retry_after"] == retry_after
    return retry_after


def test_lockout_after_failures_even_with_the_right_password(
    client: httpx.Client, make_user: Callable[..., User]
) -> None:
    make_user("lou")
    for _ in range(3):
        assert _login(client, "lou", "wrong wrong wrong").status_code == 401
    locked = _login(client, "lou", DEFAULT_PASSWORD)
    assert _assert_429(locked) <= 60
    assert "failed attempts" in locked.json()["detail"]
    # Unknown accounts lock the same way: a lockout reveals nothing.
    for _ in range(3):
        assert _login(client, "ghost", "wrong wrong wrong").status_code == 401
    _assert_429(_login(client, "ghost", "wrong wrong wrong"))


def test_per_ip_login_limit(client: httpx.Client, make_user: Callable[..., User]) -> None:
    make_user("ivy")
    statuses = [_login(client, f"someone{i}", "x" * 10).status_code for i in range(8)]
    assert statuses == [401] * 8
    _assert_429(_login(client, "ivy", DEFAULT_PASSWORD))


def test_register_and_reset_limits(client: httpx.Client, make_user: Callable[..., User]) -> None:
    for name in ("reg1", "reg2"):
        body = {"username": name, "email": f"{name}@example.com", "password": "a fine passphrase"}
        assert client.post("/api/v1/auth/register", json=body).status_code == 201
    third = {"username": "reg3", "email": "reg3@example.com", "password": "a fine passphrase"}
    _assert_429(client.post("/api/v1/auth/register", json=third))

    make_user("rae")
    for _ in range(2):
        ok = client.post("/api/v1/auth/password-reset", json={"email": "rae@example.com"})
        assert ok.status_code == 202
    _assert_429(client.post("/api/v1/auth/password-reset", json={"email": "rae@example.com"}))


def test_counters_live_in_redis_under_the_namespace(platform: Any) -> None:
    if backend() != "services":
        limiter = RateLimiter(platform.settings)
        assert type(limiter.storage).__name__ == "MemoryStorage"
        return
    settings = platform.settings
    limiter = RateLimiter(settings)
    limiter.record_failure("someone")
    keys = redis.Redis.from_url(settings.redis_url).keys(f"{settings.redis_namespace}:rl*")
    assert keys, "no rate-limit key under the namespace"
    assert all(b"someone" not in key for key in keys)  # identifiers are hashed
    limiter.reset()


def test_unreachable_redis_fails_open(platform: Any, caplog: pytest.LogCaptureFixture) -> None:
    from socialflow.testing.server import free_port

    settings = platform.settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    )
    limiter = RateLimiter(settings)
    for _ in range(5):
        limiter.hit("login-ip", "1/minute", "10.0.0.1")
        limiter.record_failure("acct")
    limiter.check_lockout("acct")
    assert "not limiting" in caplog.text
