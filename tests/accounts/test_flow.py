"""The whole account life over real HTTP, with mail read from a real SMTP server.

Runs on SQLite by default and on PostgreSQL + Redis with
``SOCIALFLOW_TEST_BACKEND=services``.
"""

from __future__ import annotations

import time

import httpx
import pyotp

from tests.accounts.conftest import PASSWORD, bearer
from tests.accounts.mailbox import Mailbox

NEW_PASSWORD = "an even longer and lovelier passphrase"


def next_code(secret: str) -> str:
    """The code of the next time step: valid now, and never used before."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_register_verify_2fa_refresh_reuse_reset_logout(
    client: httpx.Client, mailbox: Mailbox
) -> None:
    api = "/api/v1"
    # Register; the verification mail arrives at the SMTP server.
    created = client.post(
        f"{api}/auth/register",
        json={"username": "dora", "email": "dora@example.com", "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    assert created.json()["email_verified"] is False
    verify_token = mailbox.token("dora@example.com", "verify-email")
    verified = client.post(f"{api}/auth/verify-email", json={"token": verify_token})
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified"] is True
    assert verified.json()["state"] == "active"
    # The link works once.
    again = client.post(f"{api}/auth/verify-email", json={"token": verify_token})
    assert again.status_code == 400
    assert again.json()["type"] == "urn:socialflow:problem:invalid-token"

    # Log in, enable 2FA.
    first = client.post(
        f"{api}/auth/login", json={"username_or_email": "dora", "password": PASSWORD}
    ).json()
    setup = client.post(f"{api}/auth/2fa/setup", headers=bearer(first)).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert setup["qr_code"].startswith("data:image/png;base64,")
    secret = setup["secret"]
    enabled = client.post(
        f"{api}/auth/2fa/enable",
        headers=bearer(first),
        json={"otp": pyotp.TOTP(secret).now()},
    )
    assert enabled.status_code == 200, enabled.text
    assert len(enabled.json()["recovery_codes"]) == 10

    # Now the password alone is not enough.
    no_code = client.post(
        f"{api}/auth/login", json={"username_or_email": "dora", "password": PASSWORD}
    )
    assert no_code.status_code == 401
    assert no_code.json()["type"] == "urn:socialflow:problem:otp-required"
    code = next_code(secret)
    with_code = client.post(
        f"{api}/auth/login",
        json={"username_or_email": "dora", "password": PASSWORD, "otp": code},
    )
    assert with_code.status_code == 200, with_code.text
    assert with_code.headers["cache-control"] == "no-store"
    pair = with_code.json()
    # The same code cannot be used twice.
    replay = client.post(
        f"{api}/auth/login",
        json={"username_or_email": "dora", "password": PASSWORD, "otp": code},
    )
    assert replay.status_code == 401
    assert replay.json()["type"] == "urn:socialflow:problem:invalid-otp"

    # Refresh rotates.
    rotated = client.post(f"{api}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    new_pair = rotated.json()
    assert new_pair["refresh_token"] != pair["refresh_token"]
    assert client.get(f"{api}/users/me", headers=bearer(new_pair)).status_code == 200

    # Reusing the old refresh token revokes the family: both pairs are dead.
    reuse = client.post(f"{api}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.json()["type"] == "urn:socialflow:problem:refresh-token-reused"
    dead = client.post(f"{api}/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
    assert dead.status_code == 401
    assert client.get(f"{api}/users/me", headers=bearer(new_pair)).status_code == 401
    assert client.get(f"{api}/users/me", headers=bearer(pair)).status_code == 401
    # The first session (before 2FA) is untouched by that family's revocation.
    assert client.get(f"{api}/users/me", headers=bearer(first)).status_code == 200

    # Reset the password through the mailed link; every session ends.
    asked = client.post(f"{api}/auth/password-reset", json={"email": "dora@example.com"})
    assert asked.status_code == 202
    reset_token = mailbox.token("dora@example.com", "password-reset")
    done = client.post(
        f"{api}/auth/password-reset/confirm",
        json={"token": reset_token, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 204, done.text
    assert client.get(f"{api}/users/me", headers=bearer(first)).status_code == 401
    mailbox.wait_for("dora@example.com", "password-changed")
    reused = client.post(
        f"{api}/auth/password-reset/confirm",
        json={"token": reset_token, "new_password": "yet another fine passphrase"},
    )
    assert reused.status_code == 400

    # The old password is gone; the new one (with a fresh code) works.
    old = client.post(
        f"{api}/auth/login",
        json={"username_or_email": "dora", "password": PASSWORD, "otp": next_code(secret)},
    )
    assert old.status_code == 401
    assert old.json()["type"] == "urn:socialflow:problem:invalid-credentials"
    recovery = enabled.json()["recovery_codes"][0]
    final = client.post(
        f"{api}/auth/login",
        json={"username_or_email": "dora@example.com", "password": NEW_PASSWORD, "otp": recovery},
    )
    assert final.status_code == 200, final.text
    tokens = final.json()

    # Log out: the access and refresh tokens of that session stop working.
    out = client.post(f"{api}/auth/logout", headers=bearer(tokens))
    assert out.status_code == 204
    assert client.get(f"{api}/users/me", headers=bearer(tokens)).status_code == 401
    after = client.post(f"{api}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert after.status_code == 401
