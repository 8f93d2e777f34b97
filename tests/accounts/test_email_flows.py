"""Verification, reset, password and email change, with mail read from a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from socialflow.accounts.models import User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer
from tests.accounts.mailbox import Mailbox

NEW = "a brand new passphrase for me"


def test_reset_answers_alike_for_known_and_unknown_addresses(
    client: httpx.Client, make_user: Callable[..., User], mailbox: Mailbox
) -> None:
    make_user("known")
    known = client.post("/api/v1/auth/password-reset", json={"email": "known@example.com"})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.com"})
    malformed = client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert known.status_code == unknown.status_code == malformed.status_code == 202
    assert known.json() == unknown.json() == malformed.json()
    mailbox.wait_for("known@example.com", "password-reset")
    assert all(m["To"] != "nobody@example.com" for m in mailbox.messages)


def test_reset_token_is_single_use_and_bound_to_its_purpose(
    client: httpx.Client, make_user: Callable[..., User], mailbox: Mailbox, login
) -> None:
    make_user("rita")
    tokens = login("rita", DEFAULT_PASSWORD)
    client.post("/api/v1/auth/password-reset", json={"email": "rita@example.com"})
    token = mailbox.token("rita@example.com", "password-reset")
    # A reset token is not an access token, nor a verification token.
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 400
    # The policy applies to the new password.
    weak = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "password1"}
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["code"] == "weak_password"
    ok = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW}
    )
    assert ok.status_code == 204
    again = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW + "!"}
    )
    assert again.status_code == 400
    # Every session ended; the notice went to the address.
    assert client.get("/api/v1/users/me", headers=bearer(tokens)).status_code == 401
    assert "password of your account was just changed" in mailbox.body(
        mailbox.wait_for("rita@example.com", "password-changed")
    )
    login("rita", NEW)


def test_tampered_token_is_rejected(client: httpx.Client, make_user, mailbox: Mailbox) -> None:
    make_user("tess")
    client.post("/api/v1/auth/password-reset", json={"email": "tess@example.com"})
    token = mailbox.token("tess@example.com", "password-reset")
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    response = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": forged, "new_password": NEW}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:socialflow:problem:invalid-token"


def test_password_change_keeps_this_session_and_ends_the_others(
    client: httpx.Client, make_user, login, mailbox: Mailbox
) -> None:
    make_user("pat")
    here = login("pat", DEFAULT_PASSWORD)
    there = login("pat", DEFAULT_PASSWORD)
    changed = client.post(
        "/api/v1/auth/password/change",
        headers=bearer(here),
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW},
    )
    assert changed.status_code == 204, changed.text
    assert client.get("/api/v1/users/me", headers=bearer(here)).status_code == 200
    assert client.get("/api/v1/users/me", headers=bearer(there)).status_code == 401
    mailbox.wait_for("pat@example.com", "password-changed")
    login("pat", NEW)


def test_email_change_confirms_new_address_and_tells_the_old(
    client: httpx.Client, make_user, login, mailbox: Mailbox
) -> None:
    make_user("emma")
    here = login("emma", DEFAULT_PASSWORD)
    there = login("emma", DEFAULT_PASSWORD)
    wrong = client.post(
        "/api/v1/auth/email/change",
        headers=bearer(here),
        json={"new_email": "emma.new@example.com", "password": "not my password"},
    )
    assert wrong.status_code == 401
    asked = client.post(
        "/api/v1/auth/email/change",
        headers=bearer(here),
        json={"new_email": "Emma.New@example.com", "password": DEFAULT_PASSWORD},
    )
    assert asked.status_code == 202, asked.text
    mailbox.wait_for("emma@example.com", "email-change-requested")
    # Nothing changes before confirmation.
    assert (
        client.get("/api/v1/users/me", headers=bearer(here)).json()["email"] == "emma@example.com"
    )
    token = mailbox.token("emma.new@example.com", "change-email")
    confirmed = client.post("/api/v1/auth/email/change/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    me = client.get("/api/v1/users/me", headers=bearer(here)).json()
    assert me["email"] == "emma.new@example.com"
    assert me["email_verified"] is True
    assert client.get("/api/v1/users/me", headers=bearer(there)).status_code == 401
    notice = mailbox.wait_for("emma@example.com", "email-changed")
    assert "emma.new@example.com" not in mailbox.body(notice)  # the old address sees a hint only
    assert (
        client.post("/api/v1/auth/email/change/confirm", json={"token": token}).status_code == 400
    )


def test_verification_can_be_resent(
    client: httpx.Client, register, login, mailbox: Mailbox
) -> None:
    register("vic")
    first = mailbox.token("vic@example.com", "verify-email")
    tokens = login("vic")
    resent = client.post("/api/v1/auth/verify-email/resend", headers=bearer(tokens))
    assert resent.status_code == 202
    assert len(mailbox.of_kind("verify-email")) == 2
    assert client.post("/api/v1/auth/verify-email", json={"token": first}).status_code == 200
    again = client.post("/api/v1/auth/verify-email/resend", headers=bearer(tokens))
    assert again.status_code == 409


def test_smtp_channel_is_registered_as_a_plugin(platform: Any) -> None:
    info = platform.plugins.infos["smtp_notifications"]
    assert info.error is None
    assert "socialflow_notification_channels" in info.hooks
    assert platform.provider("notification", "smtp").name == "smtp"
