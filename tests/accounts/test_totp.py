"""TOTP: setup, enable, codes used once, recovery codes, disable."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
from PIL import Image
from sqlmodel import select

from socialflow.accounts.models import RecoveryCode, TotpCredential, User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer


def _enable(client: httpx.Client, headers: dict[str, str]) -> tuple[str, list[str]]:
    setup = client.post("/api/v1/auth/2fa/setup", headers=headers).json()
    enabled = client.post(
        "/api/v1/auth/2fa/enable", headers=headers, json={"otp": pyotp.TOTP(setup["secret"]).now()}
    )
    assert enabled.status_code == 200, enabled.text
    return setup["secret"], enabled.json()["recovery_codes"]


def test_setup_gives_uri_and_a_real_png(client: httpx.Client, make_user, auth_headers) -> None:
    headers = auth_headers(make_user("quinn"))
    setup = client.post("/api/v1/auth/2fa/setup", headers=headers).json()
    totp = pyotp.parse_uri(setup["otpauth_uri"])
    assert totp.secret == setup["secret"]
    assert "quinn%40example.com" in setup["otpauth_uri"]
    png = base64.b64decode(setup["qr_code"].split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
    # Not on until a code proves the setup.
    wrong = client.post("/api/v1/auth/2fa/enable", headers=headers, json={"otp": "000000"})
    assert wrong.status_code == 401
    me = client.get("/api/v1/users/me", headers=headers).json()
    assert me["two_factor_enabled"] is False


def test_secrets_are_not_stored_in_clear(
    client: httpx.Client, make_user: Callable[..., User], auth_headers, platform: Any
) -> None:
    user = make_user("stor")
    secret, codes = _enable(client, auth_headers(user))
    with platform.session() as session:
        credential = session.get(TotpCredential, user.id)
        assert credential is not None
        assert secret not in credential.secret_encrypted
        hashes = [r.code_hash for r in session.exec(select(RecoveryCode))]
    assert len(hashes) == 10
    assert not {c.replace("-", "") for c in codes} & set(hashes)


def test_recovery_codes_work_once(client: httpx.Client, make_user, login) -> None:
    make_user("rob")
    headers = bearer(login("rob", DEFAULT_PASSWORD))
    _secret, codes = _enable(client, headers)
    assert len(set(codes)) == 10
    body = {"username_or_email": "rob", "password": DEFAULT_PASSWORD, "otp": codes[3].upper()}
    assert client.post("/api/v1/auth/login", json=body).status_code == 200
    assert client.post("/api/v1/auth/login", json=body).status_code == 401
    # Setup again while enabled is refused; regenerating kills the old codes.
    assert client.post("/api/v1/auth/2fa/setup", headers=headers).status_code == 409
    new = client.post("/api/v1/auth/2fa/recovery-codes", headers=headers, json={"otp": codes[4]})
    assert new.status_code == 200
    old = {**body, "otp": codes[5]}
    assert client.post("/api/v1/auth/login", json=old).status_code == 401


def test_disable_needs_a_code(client: httpx.Client, make_user, login) -> None:
    make_user("dis")
    headers = bearer(login("dis", DEFAULT_PASSWORD))
    secret, _codes = _enable(client, headers)
    assert (
        client.post("/api/v1/auth/2fa/disable", headers=headers, json={"otp": "123456"}).status_code
        == 401
    )
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert (
        client.post("/api/v1/auth/2fa/disable", headers=headers, json={"otp": code}).status_code
        == 204
    )
    plain = {"username_or_email": "dis", "password": DEFAULT_PASSWORD}
    assert client.post("/api/v1/auth/login", json=plain).status_code == 200
