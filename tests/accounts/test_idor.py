"""User A against user B on every ``/users`` and ``/auth`` route.

The route list is checked against the app, so a new route fails this test
until someone decides what A may do with it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI
from PIL import Image
from sqlmodel import select

from socialflow.accounts.models import AuthSession, User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer
from tests.accounts.mailbox import Mailbox

JSON = {"Content-Type": "application/json"}
PRIVATE_FIELDS = {"email", "email_verified", "role", "state", "two_factor_enabled", "has_password"}

COVERED = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/sessions"),
    ("DELETE", "/api/v1/auth/sessions/{session_id}"),
    ("POST", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/verify-email/resend"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/auth/password/change"),
    ("POST", "/api/v1/auth/email/change"),
    ("POST", "/api/v1/auth/email/change/confirm"),
    ("POST", "/api/v1/auth/2fa/setup"),
    ("POST", "/api/v1/auth/2fa/enable"),
    ("POST", "/api/v1/auth/2fa/disable"),
    ("POST", "/api/v1/auth/2fa/verify"),
    ("POST", "/api/v1/auth/2fa/recovery-codes"),
    ("GET", "/api/v1/auth/oauth/providers"),
    ("GET", "/api/v1/auth/oauth/{provider}/authorize"),
    ("GET", "/api/v1/auth/oauth/{provider}/callback"),
    ("GET", "/api/v1/users/me"),
    ("PATCH", "/api/v1/users/me"),
    ("DELETE", "/api/v1/users/me"),
    ("PUT", "/api/v1/users/me/avatar"),
    ("DELETE", "/api/v1/users/me/avatar"),
    ("GET", "/api/v1/users/me/export"),
    ("GET", "/api/v1/users/{username}"),
}


# /users routes of the social graph: the caller is always the actor (follow,
# block, mute, answer one's own requests), and who may see what is checked as a
# matrix over routes and viewers in tests/social/test_visibility_matrix.py and
# tests/social/test_graph.py.
COVERED_BY_SOCIAL_TESTS = {
    ("POST", "/api/v1/users/{username}/follow"),
    ("DELETE", "/api/v1/users/{username}/follow"),
    ("POST", "/api/v1/users/{username}/block"),
    ("DELETE", "/api/v1/users/{username}/block"),
    ("POST", "/api/v1/users/{username}/mute"),
    ("DELETE", "/api/v1/users/{username}/mute"),
    ("GET", "/api/v1/users/{username}/followers"),
    ("GET", "/api/v1/users/{username}/following"),
    ("GET", "/api/v1/users/{username}/posts"),
    # who sees which videos (blocks, private accounts): tests/video/test_video_access.py
    ("GET", "/api/v1/users/{username}/videos"),
    ("GET", "/api/v1/users/me/follow-requests"),
    ("POST", "/api/v1/users/me/follow-requests/{username}/{decision}"),
}


def test_every_accounts_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith(("/api/v1/auth", "/api/v1/users"))
    }
    assert routes == COVERED | COVERED_BY_SOCIAL_TESTS


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, format="PNG")
    return out.getvalue()


def test_a_cannot_read_or_change_b(
    client: httpx.Client,
    make_user: Callable[..., User],
    login: Callable[..., dict[str, Any]],
    auth_headers: Callable[[User], dict[str, str]],
    platform: Any,
    mailbox: Mailbox,
) -> None:
    make_user("alice")
    bob = make_user("bob", bio="bob's bio")
    a = bearer(login("alice", DEFAULT_PASSWORD))
    b_tokens = login("bob", DEFAULT_PASSWORD)
    b = bearer(b_tokens)
    b_before = client.get("/api/v1/users/me", headers=b).json()

    # Public profile: no private field of B, with or without a token.
    for headers in (a, {}):
        public = client.get("/api/v1/users/bob", headers=headers)
        assert public.status_code == 200
        assert PRIVATE_FIELDS.isdisjoint(public.json())

    # /users/me is always the caller.
    assert client.get("/api/v1/users/me", headers=a).json()["username"] == "alice"
    export = client.get("/api/v1/users/me/export", headers=a)
    assert "bob" not in export.text

    # No field in PATCH /users/me can reach B or escalate.
    for body in ({"id": bob.id}, {"username": "bob"}, {"role": "admin"}, {"email": "x@y.z"}):
        assert client.patch("/api/v1/users/me", headers=a, json=body).status_code == 422
    assert client.patch("/api/v1/users/me", headers=a, json={"bio": "mine"}).status_code == 200
    avatar = client.put(
        "/api/v1/users/me/avatar", headers=a, files={"file": ("a.png", _png(), "image/png")}
    )
    assert avatar.status_code == 200
    assert client.delete("/api/v1/users/me/avatar", headers=a).status_code == 200

    # B's session is not A's to see or revoke (404, not 403).
    with platform.session() as session:
        found = session.exec(select(AuthSession).where(AuthSession.user_id == bob.id))
        b_session_ids = [s.id for s in found]
    a_sessions = client.get("/api/v1/auth/sessions", headers=a).json()["items"]
    assert {s["id"] for s in a_sessions}.isdisjoint(b_session_ids)
    for session_id in b_session_ids:
        denied = client.delete(f"/api/v1/auth/sessions/{session_id}", headers=a)
        assert denied.status_code == 404
    # Logging out with B's refresh token in the body cannot end B's session.
    sessionless_a = auth_headers(make_user("alice2"))
    out = client.post(
        "/api/v1/auth/logout",
        headers=sessionless_a,
        json={"refresh_token": b_tokens["refresh_token"]},
    )
    assert out.status_code == 404
    assert client.get("/api/v1/users/me", headers=b).status_code == 200

    # Email change cannot take B's address; password change needs A's password.
    taken = client.post(
        "/api/v1/auth/email/change",
        headers=a,
        json={"new_email": "bob@example.com", "password": DEFAULT_PASSWORD},
    )
    assert taken.status_code == 409
    wrong = client.post(
        "/api/v1/auth/password/change",
        headers=a,
        json={"current_password": "not the password", "new_password": "whatever it is now"},
    )
    assert wrong.status_code == 401

    # 2FA routes act on the caller only.
    setup = client.post("/api/v1/auth/2fa/setup", headers=a).json()
    assert (
        client.post(
            "/api/v1/auth/2fa/enable", headers=a, json={"otp": pyotp.TOTP(setup["secret"]).now()}
        ).status_code
        == 200
    )
    assert (
        client.post("/api/v1/auth/2fa/disable", headers=b, json={"otp": "123456"}).status_code
        == 409
    )
    assert (
        client.post(
            "/api/v1/auth/2fa/recovery-codes", headers=b, json={"otp": "123456"}
        ).status_code
        == 409
    )
    assert client.get("/api/v1/users/me", headers=b).json()["two_factor_enabled"] is False

    # Verification resend mails the caller, never B.
    client.post("/api/v1/auth/verify-email/resend", headers=a)
    assert all(m["To"] != "bob@example.com" for m in mailbox.messages)

    # A deletes their own account; B is untouched.
    deleted = client.request(
        "DELETE", "/api/v1/users/me", headers=a, json={"password": DEFAULT_PASSWORD}
    )
    assert deleted.status_code == 401  # 2FA is on: a code is needed too
    code = pyotp.TOTP(setup["secret"]).at(time.time() + 30)
    deleted = client.request(
        "DELETE", "/api/v1/users/me", headers=a, json={"password": DEFAULT_PASSWORD, "otp": code}
    )
    assert deleted.status_code == 204
    assert client.get("/api/v1/users/me", headers=b).json() == b_before

    # Unauthenticated callers get 401 on every private route.
    for method, path in [
        ("GET", "/api/v1/users/me"),
        ("PATCH", "/api/v1/users/me"),
        ("DELETE", "/api/v1/users/me"),
        ("PUT", "/api/v1/users/me/avatar"),
        ("DELETE", "/api/v1/users/me/avatar"),
        ("GET", "/api/v1/users/me/export"),
        ("GET", "/api/v1/auth/sessions"),
        ("DELETE", f"/api/v1/auth/sessions/{b_session_ids[0]}"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/2fa/setup"),
        ("POST", "/api/v1/auth/verify-email/resend"),
        ("POST", "/api/v1/auth/password/change"),
        ("POST", "/api/v1/auth/email/change"),
    ]:
        # Authentication comes before body validation: no body, an empty one or a
        # malformed one, an anonymous caller learns nothing but 401.
        for body in ({}, {"json": {}}, {"content": b"{not json", "headers": JSON}):
            response = client.request(method, path, **body)  # type: ignore[arg-type]
            assert response.status_code == 401, (method, path, body, response.status_code)
    assert client.get("/api/v1/users/me", headers=b).status_code == 200
