"""No password, token or secret in any log line; no password or hash in any response.

Runs the sensitive flows over HTTP with mail through the smtp channel (the
console channel prints mail bodies, which hold links, by design), captures
every log record the process writes, and looks for each secret in them.
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import httpx
import pyotp
import pytest

from socialflow.testing.pytest_plugin import TEST_SECRET
from tests.accounts.conftest import bearer
from tests.accounts.mailbox import Mailbox

PASSWORD = "my very own secret passphrase"
NEW_PASSWORD = "another secret passphrase of mine"


def test_secrets_stay_out_of_logs_and_responses(
    client: httpx.Client, mailbox: Mailbox, caplog: pytest.LogCaptureFixture, platform: Any
) -> None:
    caplog.set_level(logging.INFO)
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, TEST_SECRET]
    responses: list[httpx.Response] = []

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = client.request(method, path, **kwargs)
        responses.append(response)
        return response

    call(
        "POST",
        "/api/v1/auth/register",
        json={"username": "sly", "email": "sly@example.com", "password": PASSWORD},
    )
    verify = mailbox.token("sly@example.com", "verify-email")
    call("POST", "/api/v1/auth/verify-email", json={"token": verify})
    call("POST", "/api/v1/auth/login", json={"username_or_email": "sly", "password": "bad guess!"})
    tokens = call(
        "POST", "/api/v1/auth/login", json={"username_or_email": "sly", "password": PASSWORD}
    ).json()
    setup = call("POST", "/api/v1/auth/2fa/setup", headers=bearer(tokens)).json()
    code = pyotp.TOTP(setup["secret"]).now()
    codes = call(
        "POST", "/api/v1/auth/2fa/enable", headers=bearer(tokens), json={"otp": code}
    ).json()["recovery_codes"]
    refreshed = call(
        "POST", "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json()
    call("POST", "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    call("POST", "/api/v1/auth/password-reset", json={"email": "sly@example.com"})
    reset = mailbox.token("sly@example.com", "password-reset")
    call(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset, "new_password": NEW_PASSWORD},
    )
    last = call(
        "POST",
        "/api/v1/auth/login",
        json={"username_or_email": "sly", "password": NEW_PASSWORD, "otp": codes[0]},
    ).json()
    call("GET", "/api/v1/users/me/export", headers=bearer(last))
    call("POST", "/api/v1/auth/logout", headers=bearer(last))
    secrets += [
        verify,
        reset,
        setup["secret"],
        code,
        *codes,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        last["access_token"],
        last["refresh_token"],
    ]

    lines = [
        f"{record.getMessage()} {record.msg!r} {record.args!r}"
        for record in caplog.records
        if record.name != "mail.log"  # aiosmtpd: the test's own mail server
    ]
    assert any("auth/login" in line for line in lines), "no request was logged at all"
    for secret in secrets:
        leaked = [line for line in lines if secret in line]
        assert not leaked, f"a secret appears in the logs: {leaked[0][:200]}"

    for response in responses:
        for value in (PASSWORD, NEW_PASSWORD, TEST_SECRET, "$argon2", "password_hash"):
            assert value not in response.text, response.request.url


@pytest.mark.parametrize("socialflow_overrides", [{"rate_limits": {"enabled": False}}])
def test_unknown_user_and_wrong_password_look_and_time_alike(
    client: httpx.Client, make_user: Any
) -> None:
    make_user("timed")

    def attempt(username: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/auth/login", json={"username_or_email": username, "password": "wrong pass 1"}
        )
        return time.perf_counter() - started, response

    attempt("timed")  # warm up
    wrong: list[tuple[float, httpx.Response]] = []
    unknown: list[tuple[float, httpx.Response]] = []
    for i in range(8):
        for name, bucket in (("timed", wrong), (f"nobody{i}", unknown)):
            elapsed, response = attempt(name)
            assert response.status_code == 401
            bucket.append((elapsed, response))
    first_wrong, first_unknown = wrong[0][1], unknown[0][1]
    assert first_wrong.json() == first_unknown.json()
    assert set(first_wrong.headers) - {"x-request-id", "date"} == set(first_unknown.headers) - {
        "x-request-id",
        "date",
    }
    wrong_median = statistics.median(t for t, _ in wrong)
    unknown_median = statistics.median(t for t, _ in unknown)
    ratio = max(wrong_median, unknown_median) / min(wrong_median, unknown_median)
    assert ratio < 2, (wrong_median, unknown_median)
