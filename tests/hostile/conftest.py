"""Fixtures of the hostile-input tests: limits raised, a registered user's token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

HIGH_RATE = "100000/minute"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    """Rate limits raised (still on) so that thousands of requests are not throttled;
    the offline payment provider on, so the payment routes are fuzzed past their 503."""
    return {
        "payments": "offline",
        "rate_limits": {
            "login_per_ip": HIGH_RATE,
            "login_per_account": HIGH_RATE,
            "register_per_ip": HIGH_RATE,
            "password_reset_per_ip": HIGH_RATE,
            "password_reset_per_account": HIGH_RATE,
            "two_factor_per_account": HIGH_RATE,
            "lockout_tiers": [HIGH_RATE],
        },
        "log_level": "WARNING",
    }


@pytest.fixture
def bearer(client: httpx.Client) -> dict[str, str]:
    """The ``Authorization`` header of a user who registered and logged in over HTTP."""
    password = "a long enough password 1"
    registered = client.post(
        "/api/v1/auth/register",
        json={"username": "fuzzer", "email": "fuzzer@example.com", "password": password},
    )
    assert registered.status_code == 201, registered.text
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": "fuzzer", "password": password}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
