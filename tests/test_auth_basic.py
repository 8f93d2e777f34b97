"""Registration, login and the caller's account over real HTTP."""

from __future__ import annotations

import httpx


def test_register_login_and_read_me(client: httpx.Client) -> None:
    created = client.post(
        "/api/v1/auth/register",
        json={
            "username": "Alice_1",
            "email": "Alice@Example.com",
            "password": "a long passphrase",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "Alice_1"
    assert "password_hash" not in created.text

    token = client.post(
        "/api/v1/auth/login",
        json={
            "username_or_email": "alice@example.com",
            "password": "a long passphrase",
        },
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]

    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"

    public = client.get("/api/v1/users/alice_1")
    assert public.status_code == 200
    assert "email" not in public.json()


def test_duplicate_username_is_a_case_insensitive_conflict(client: httpx.Client) -> None:
    body = {"username": "bob", "email": "bob@example.com", "password": "a long passphrase"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    again = client.post(
        "/api/v1/auth/register", json={**body, "username": "BOB", "email": "b2@example.com"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "urn:socialflow:problem:username-taken"


def test_wrong_password_and_unknown_user_answer_alike(client: httpx.Client, make_user) -> None:
    make_user("carol")
    wrong = client.post(
        "/api/v1/auth/login", json={"username_or_email": "carol", "password": "nope nope nope"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"username_or_email": "nobody", "password": "nope nope nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_me_requires_a_valid_token(client: httpx.Client) -> None:
    assert client.get("/api/v1/users/me").status_code == 401
    bad = client.get("/api/v1/users/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401
    assert bad.json()["type"] == "urn:socialflow:problem:invalid-token"
