"""Every single-use secret works exactly once, even when N requests race with it.

Each test fires the same secret from N threads at a real server at once
(a barrier lines them up) and expects one success and N-1 clean 4xx: no
500, no second success, one audit row.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pyotp
import pytest
from sqlmodel import col, select

from socialflow.accounts.models import AuditLogEntry, ConsumedToken, User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer
from tests.accounts.mailbox import Mailbox

RACERS = 8
NEW_PASSWORD = "a brand new passphrase for me"


@pytest.fixture
def socialflow_overrides(accounts_overrides: dict[str, Any]) -> dict[str, Any]:
    # The race is the subject here, not the rate limits. On SQLite writers take turns,
    # each login holding the write lock through its Argon2 check: let them queue.
    return {
        **accounts_overrides,
        "rate_limits": {"enabled": False},
        "sqlite_busy_timeout_ms": 60_000,
    }


@pytest.fixture
def race(live_server: str) -> Iterator[Callable[..., list[httpx.Response]]]:
    """``race(method, path, json=..., headers=...)``: the same request from RACERS threads."""
    clients = [httpx.Client(base_url=live_server, timeout=60) for _ in range(RACERS)]

    def run(method: str, path: str, **kwargs: Any) -> list[httpx.Response]:
        barrier = threading.Barrier(RACERS)

        def one(client: httpx.Client) -> httpx.Response:
            barrier.wait()
            return client.request(method, path, **kwargs)

        with ThreadPoolExecutor(RACERS) as pool:
            return list(pool.map(one, clients))

    yield run
    for client in clients:
        client.close()


def _one_winner(responses: list[httpx.Response], ok: int, refused: int) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({ok: 1, refused: RACERS - 1}), [r.text for r in responses]
    for response in responses:
        if response.status_code == refused:
            assert response.headers["content-type"] == "application/problem+json"


def _audit_count(platform: Any, user_id: int, action: str) -> int:
    with platform.session() as session:
        rows = session.exec(
            select(AuditLogEntry).where(
                col(AuditLogEntry.subject_user_id) == user_id, col(AuditLogEntry.action) == action
            )
        )
        return len(list(rows))


def _enable_2fa(client: httpx.Client, headers: dict[str, str]) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post("/api/v1/auth/2fa/setup", headers=headers).json()
    totp = pyotp.TOTP(setup["secret"])
    enabled = client.post("/api/v1/auth/2fa/enable", headers=headers, json={"otp": totp.now()})
    assert enabled.status_code == 200, enabled.text
    return totp, enabled.json()["recovery_codes"]


def _next_code(totp: pyotp.TOTP) -> str:
    """A code for the next step: the current one was spent enabling 2FA."""
    return totp.at(time.time() + 30)


def test_one_totp_code_signs_in_once(
    client: httpx.Client, make_user: Callable[..., User], auth_headers: Any, race: Any
) -> None:
    user = make_user("tara")
    totp, _ = _enable_2fa(client, auth_headers(user))
    responses = race(
        "POST",
        "/api/v1/auth/login",
        json={"username_or_email": "tara", "password": DEFAULT_PASSWORD, "otp": _next_code(totp)},
    )
    _one_winner(responses, 200, 401)


def test_one_recovery_code_works_once(
    client: httpx.Client,
    make_user: Callable[..., User],
    auth_headers: Any,
    race: Any,
    platform: Any,
) -> None:
    user = make_user("rory")
    _, codes = _enable_2fa(client, auth_headers(user))
    responses = race(
        "POST",
        "/api/v1/auth/login",
        json={"username_or_email": "rory", "password": DEFAULT_PASSWORD, "otp": codes[0]},
    )
    _one_winner(responses, 200, 401)
    assert _audit_count(platform, user.id, "recovery_code_used") == 1
    # The other codes still work, one at a time.
    again = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "rory", "password": DEFAULT_PASSWORD, "otp": codes[1]},
    )
    assert again.status_code == 200


def test_one_totp_code_regenerates_recovery_codes_once(
    client: httpx.Client, make_user: Callable[..., User], auth_headers: Any, race: Any
) -> None:
    headers = auth_headers(make_user("dina"))
    totp, _ = _enable_2fa(client, headers)
    responses = race(
        "POST", "/api/v1/auth/2fa/recovery-codes", headers=headers, json={"otp": _next_code(totp)}
    )
    _one_winner(responses, 200, 401)


def test_one_reset_link_resets_once(
    client: httpx.Client,
    make_user: Callable[..., User],
    mailbox: Mailbox,
    race: Any,
    platform: Any,
) -> None:
    user = make_user("ralf")
    client.post("/api/v1/auth/password-reset", json={"email": "ralf@example.com"})
    token = mailbox.token("ralf@example.com", "password-reset")
    responses = race(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": NEW_PASSWORD},
    )
    _one_winner(responses, 204, 400)
    assert _audit_count(platform, user.id, "password_reset") == 1
    with platform.session() as session:
        # Kept as a digest only: the token itself is nowhere in the table.
        keys = [row.key for row in session.exec(select(ConsumedToken))]
    assert keys
    assert all(token not in key for key in keys)


def test_one_verification_link_verifies_once(
    client: httpx.Client, register: Callable[..., Any], mailbox: Mailbox, race: Any, platform: Any
) -> None:
    created = register("vera")
    token = mailbox.token("vera@example.com", "verify-email")
    responses = race("POST", "/api/v1/auth/verify-email", json={"token": token})
    _one_winner(responses, 200, 400)
    assert _audit_count(platform, created["id"], "email_verified") == 1


def test_one_email_change_link_changes_once(
    client: httpx.Client,
    make_user: Callable[..., User],
    login: Callable[..., Any],
    mailbox: Mailbox,
    race: Any,
    platform: Any,
) -> None:
    user = make_user("emil")
    tokens = login("emil", DEFAULT_PASSWORD)
    asked = client.post(
        "/api/v1/auth/email/change",
        headers=bearer(tokens),
        json={"new_email": "emil.new@example.com", "password": DEFAULT_PASSWORD},
    )
    assert asked.status_code == 202, asked.text
    token = mailbox.token("emil.new@example.com", "change-email")
    responses = race("POST", "/api/v1/auth/email/change/confirm", json={"token": token})
    _one_winner(responses, 200, 400)
    assert _audit_count(platform, user.id, "email_changed") == 1


@pytest.mark.parametrize(
    "vary",
    [
        pytest.param(
            lambda n: {"username": "samename", "email": f"u{n}@example.com"}, id="username"
        ),
        pytest.param(lambda n: {"username": f"user{n}", "email": "same@example.com"}, id="email"),
    ],
)
def test_racing_registrations_of_one_name_give_one_account_and_409s(
    live_server: str, vary: Callable[[int], dict[str, str]]
) -> None:
    """A name or address is like a single-use secret too: of N registrations racing for
    it, one wins and the others hear 409 (the unique index catches what the checks
    before it could not see), never a 500."""
    clients = [httpx.Client(base_url=live_server, timeout=60) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)

    def register(n: int) -> httpx.Response:
        barrier.wait()
        body = {**vary(n), "password": "a long enough passphrase"}
        return clients[n].post("/api/v1/auth/register", json=body)

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = Counter(r.status_code for r in pool.map(register, range(RACERS)))
    for client in clients:
        client.close()
    assert statuses == {201: 1, 409: RACERS - 1}, statuses
