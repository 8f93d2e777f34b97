"""Lockout counts per account, whatever login name is typed; the owner can get past it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest

from socialflow.accounts.models import User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.mailbox import Mailbox

WRONG = "wrong wrong wrong"
NEW_PASSWORD = "a brand new passphrase for me"


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any]) -> dict[str, Any]:
    return {
        **accounts_overrides,
        "rate_limits": {
            "login_per_ip": "200/minute",
            "login_per_account": "200/minute",
            "lockout_tiers": ["3/minute", "5/hour"],
        },
    }


def _login(client: httpx.Client, name: str, password: str, **extra: Any) -> httpx.Response:
    return client.post(
        "/api/v1/auth/login", json={"username_or_email": name, "password": password, **extra}
    )


def _lock(client: httpx.Client, names: list[str]) -> None:
    for name in names:
        assert _login(client, name, WRONG).status_code == 401


@pytest.mark.parametrize(
    ("failing", "then"),
    [
        (["ivan", "ivan@example.com", "IVAN@Example.com"], "ivan"),
        (["ivan", "ivan", "ivan"], "ivan@example.com"),
        (["Ivan@EXAMPLE.com", "IVAN", "ivan@example.com"], "iVaN"),
    ],
)
def test_aliases_share_one_lockout(
    client: httpx.Client, make_user: Callable[..., User], failing: list[str], then: str
) -> None:
    make_user("ivan")
    _lock(client, failing)
    # Locked under every name: further guesses are not even evaluated.
    for name in (then, "ivan", "ivan@example.com", "IVAN@EXAMPLE.COM"):
        locked = _login(client, name, DEFAULT_PASSWORD)
        assert locked.status_code == 429, (name, locked.text)
        assert locked.headers["content-type"] == "application/problem+json"
    # Another account is not affected.
    make_user("olga")
    assert _login(client, "olga@example.com", DEFAULT_PASSWORD).status_code == 200


def test_a_correct_second_factor_lifts_the_lock(
    client: httpx.Client, make_user: Callable[..., User], auth_headers: Any
) -> None:
    headers = auth_headers(make_user("tomas"))
    setup = client.post("/api/v1/auth/2fa/setup", headers=headers).json()
    totp = pyotp.TOTP(setup["secret"])
    enabled = client.post("/api/v1/auth/2fa/enable", headers=headers, json={"otp": totp.now()})
    assert enabled.status_code == 200
    _lock(client, ["tomas", "tomas@example.com", "TOMAS"])
    assert _login(client, "tomas", DEFAULT_PASSWORD).status_code == 429
    # A wrong code, or a wrong password with a right code, stays locked (and tells nothing).
    assert _login(client, "tomas", DEFAULT_PASSWORD, otp="000000").status_code == 429
    next_code = totp.at(time.time() + 30)
    assert _login(client, "tomas", WRONG, otp=next_code).status_code == 429
    # Password and a right code: the owner is in, and the lock is gone.
    owner = _login(client, "tomas@example.com", DEFAULT_PASSWORD, otp=next_code)
    assert owner.status_code == 200, owner.text
    assert _login(client, "tomas", WRONG).status_code == 401


def test_without_2fa_a_code_does_not_open_a_locked_account(
    client: httpx.Client, make_user: Callable[..., User]
) -> None:
    make_user("petra")
    _lock(client, ["petra"] * 3)
    assert _login(client, "petra", DEFAULT_PASSWORD, otp="123456").status_code == 429


def test_completing_a_password_reset_lifts_the_lock(
    client: httpx.Client, make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    make_user("rhea")
    _lock(client, ["rhea", "rhea@example.com", "Rhea"])
    assert _login(client, "rhea", DEFAULT_PASSWORD).status_code == 429
    client.post("/api/v1/auth/password-reset", json={"email": "rhea@example.com"})
    token = mailbox.token("rhea@example.com", "password-reset")
    reset = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    assert _login(client, "RHEA@example.com", NEW_PASSWORD).status_code == 200
