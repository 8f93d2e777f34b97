"""Avatar, password policy, export, deletion and the audit log."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import select

from socialflow.accounts.models import AuditLogEntry, AuthSession, User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.accounts.conftest import bearer


def _jpeg_with_gps(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def test_avatar_is_reencoded_without_metadata(
    client: httpx.Client, make_user: Callable[..., User], login, platform: Any
) -> None:
    make_user("ava")
    headers = bearer(login("ava", DEFAULT_PASSWORD))
    original = _jpeg_with_gps()
    assert b"SpyCam" in original
    response = client.put(
        "/api/v1/users/me/avatar",
        headers=headers,
        files={"file": ("me.jpg", original + b"<?php evil(); ?>", "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url
    assert "sig=" in url
    with platform.session() as session:
        key = session.exec(select(User).where(User.username == "ava")).one().avatar_key
    stored = platform.storage.get(key)
    assert b"SpyCam" not in stored
    assert b"evil" not in stored
    assert b"secret comment" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert image.size == (512, 512)
        assert not image.getexif()
    # The public profile shows the avatar too; replacing deletes the old object.
    assert client.get("/api/v1/users/ava").json()["avatar_url"]
    client.put(
        "/api/v1/users/me/avatar",
        headers=headers,
        files={"file": ("b.png", _png(), "image/png")},
    )
    assert not platform.storage.exists(key)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("socialflow_overrides", [{"avatar_max_bytes": 2048}])
def test_avatar_rejects_big_files_and_non_images(
    client: httpx.Client, make_user: Callable[..., User], auth_headers
) -> None:
    headers = auth_headers(make_user("big"))
    too_big = client.put(
        "/api/v1/users/me/avatar", headers=headers, files={"file": ("a.jpg", _jpeg_with_gps())}
    )
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    not_image = client.put(
        "/api/v1/users/me/avatar", headers=headers, files={"file": ("a.jpg", b"GIF89a nope")}
    )
    assert not_image.status_code == 422
    assert not_image.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short", False),
        ("password123", False),  # in the common list
        ("iloveyou", False),
        ("newuser1", False),  # the username
        ("newuser1@example.com", False),  # the email
        ("correct horse battery staple", True),  # long passphrases are welcome
        ("ünïcödé pässwörd ✓", True),
        ("x" * 1000, True),
    ],
)
def test_password_policy(client: httpx.Client, password: str, accepted: bool) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "newuser1", "email": "newuser1@example.com", "password": password},
    )
    assert (response.status_code == 201) is accepted, response.text
    if not accepted:
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "weak_password"


def test_username_rules(client: httpx.Client) -> None:
    for bad in ("ab", "has space", "émile", "a" * 31, "semi;colon"):
        body = {"username": bad, "email": "u@example.com", "password": "a fine passphrase"}
        assert client.post("/api/v1/auth/register", json=body).status_code == 422
    bad_email = {"username": "okname", "email": "not-an-email", "password": "a fine passphrase"}
    assert client.post("/api/v1/auth/register", json=bad_email).status_code == 422


def test_export_holds_the_account(client: httpx.Client, make_user, login) -> None:
    make_user("exa", bio="hello there")
    headers = bearer(login("exa", DEFAULT_PASSWORD))
    response = client.get("/api/v1/users/me/export", headers=headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["username"] == "exa"
    assert data["account"]["email"] == "exa@example.com"
    assert data["account"]["bio"] == "hello there"
    assert len(data["sessions"]) == 1
    assert "password_hash" not in response.text
    assert "$argon2" not in response.text


def test_deletion_anonymizes_and_is_audited(
    client: httpx.Client, make_user: Callable[..., User], login, platform: Any
) -> None:
    user = make_user("dan", bio="I live at 1 Main St")
    tokens = login("dan", DEFAULT_PASSWORD)
    headers = bearer(tokens)
    client.put("/api/v1/users/me/avatar", headers=headers, files={"file": ("a.png", _png())})
    wrong = client.request("DELETE", "/api/v1/users/me", headers=headers, json={"password": "nope"})
    assert wrong.status_code == 401
    gone = client.request(
        "DELETE", "/api/v1/users/me", headers=headers, json={"password": DEFAULT_PASSWORD}
    )
    assert gone.status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401
    assert client.get("/api/v1/users/dan").status_code == 404
    relog = client.post(
        "/api/v1/auth/login", json={"username_or_email": "dan", "password": DEFAULT_PASSWORD}
    )
    assert relog.status_code == 401
    with platform.session() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        assert stored.state == "deleted"
        assert "dan" not in stored.username
        assert "dan" not in stored.email
        assert stored.bio == ""
        assert stored.password_hash is None
        assert stored.avatar_key is None
        assert platform.storage.list(f"avatars/{user.id}/") == []
        live = session.exec(
            select(AuthSession).where(
                AuthSession.user_id == user.id, AuthSession.revoked_at is None
            )
        ).all()
        assert live == []
        entries = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.subject_user_id == user.id)
        ).all()
        assert [e.action for e in entries] == ["account_deleted"]
        assert entries[0].ip == "127.0.0.1"
    # The name is free again.
    make_user("dan")
