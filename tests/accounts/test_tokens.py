"""Access tokens, refresh tokens, sessions and suspension, attacked over HTTP."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from socialflow.accounts import users as user_service
from socialflow.accounts.models import User
from socialflow.accounts.tokens import AUDIENCE, issue_access_token
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD, TEST_SECRET
from tests.accounts.conftest import bearer


def _claims(user: User, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "iss": "http://127.0.0.1:8000",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x" * 32,
        "ver": user.token_version,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _none_token(claims: dict[str, Any]) -> str:
    body = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(body)}."


def _me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})


def test_a_well_formed_token_passes(client: httpx.Client, make_user: Callable[..., User]) -> None:
    user = make_user("tok")
    token = jwt.encode(_claims(user), TEST_SECRET, algorithm="HS256")
    assert _me(client, token).status_code == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: _none_token(c), id="alg-none"),
        pytest.param(
            lambda c: jwt.encode(c, "another-secret-" * 4, algorithm="HS256"), id="wrong-key"
        ),
        pytest.param(
            lambda c: jwt.encode(c, TEST_SECRET, algorithm="HS512"),
            id="other-alg",
            marks=pytest.mark.filterwarnings("ignore:The HMAC key"),
        ),
        pytest.param(
            lambda c: jwt.encode({**c, "aud": "someone-else"}, TEST_SECRET, algorithm="HS256"),
            id="wrong-audience",
        ),
        pytest.param(
            lambda c: jwt.encode({**c, "iss": "https://evil.example"}, TEST_SECRET, "HS256"),
            id="wrong-issuer",
        ),
        pytest.param(
            lambda c: jwt.encode(
                {**c, "exp": datetime.now(UTC) - timedelta(minutes=1)}, TEST_SECRET, "HS256"
            ),
            id="expired",
        ),
        pytest.param(
            lambda c: jwt.encode({k: v for k, v in c.items() if k != "jti"}, TEST_SECRET, "HS256"),
            id="no-jti",
        ),
        pytest.param(
            lambda c: jwt.encode({k: v for k, v in c.items() if k != "exp"}, TEST_SECRET, "HS256"),
            id="no-exp",
        ),
        pytest.param(lambda c: jwt.encode({**c, "ver": 7}, TEST_SECRET, "HS256"), id="old-version"),
    ],
)
def test_forged_or_stale_tokens_are_rejected(
    client: httpx.Client, make_user: Callable[..., User], forge: Callable[[dict[str, Any]], str]
) -> None:
    user = make_user("victim")
    response = _me(client, forge(_claims(user)))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:socialflow:problem:invalid-token"


def test_access_token_ttl_comes_from_settings(
    platform: Any, make_user: Callable[..., User]
) -> None:
    user = make_user("ttl")
    assert user.id is not None
    token = issue_access_token(platform.settings, user_id=user.id, token_version=0)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == platform.settings.access_token_ttl_seconds


def test_sessions_list_and_revoke(client: httpx.Client, make_user, login) -> None:
    make_user("sam")
    laptop = login("sam", DEFAULT_PASSWORD)
    phone_response = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "sam", "password": DEFAULT_PASSWORD},
        headers={"User-Agent": "SamPhone/1.0"},
    )
    phone = phone_response.json()
    listed = client.get("/api/v1/auth/sessions", headers=bearer(laptop))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2
    assert sum(item["current"] for item in items) == 1
    phone_session = next(item for item in items if item["user_agent"] == "SamPhone/1.0")
    assert phone_session["ip"] == "127.0.0.1"

    revoked = client.delete(f"/api/v1/auth/sessions/{phone_session['id']}", headers=bearer(laptop))
    assert revoked.status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(phone)).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert refresh.status_code == 401
    assert client.get("/api/v1/users/me", headers=bearer(laptop)).status_code == 200
    assert len(client.get("/api/v1/auth/sessions", headers=bearer(laptop)).json()["items"]) == 1


def test_suspension_cuts_access_at_once(
    client: httpx.Client, make_user: Callable[..., User], login, platform: Any, auth_headers
) -> None:
    user = make_user("eve")
    tokens = login("eve", DEFAULT_PASSWORD)
    sessionless = auth_headers(user)  # a token without a session: token_version guards it
    assert client.get("/api/v1/users/me", headers=bearer(tokens)).status_code == 200
    with platform.session() as session:
        stored = session.get(User, user.id)
        user_service.suspend(session=session, user=stored, actor_id=None, reason="spam")
        session.commit()
    assert client.get("/api/v1/users/me", headers=bearer(tokens)).status_code == 401
    assert client.get("/api/v1/users/me", headers=sessionless).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    relog = client.post(
        "/api/v1/auth/login", json={"username_or_email": "eve", "password": DEFAULT_PASSWORD}
    )
    assert relog.status_code == 401
    assert relog.json()["type"] == "urn:socialflow:problem:invalid-credentials"


@pytest.mark.parametrize("socialflow_overrides", [{"access_token_ttl_seconds": 30}])
def test_short_access_tokens_expire(client: httpx.Client, make_user, login, platform: Any) -> None:
    make_user("short")
    tokens = login("short", DEFAULT_PASSWORD)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30
    assert tokens["expires_in"] == 30
    # Rather than sleep 35 s, forge the same token with exp in the past: same key, same claims.
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 10}, platform.settings.secret(), algorithm="HS256"
    )
    assert _me(client, expired).status_code == 401


def test_refresh_token_garbage_is_rejected(client: httpx.Client) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    assert response.status_code == 401
    assert response.json()["type"] == "urn:socialflow:problem:invalid-refresh-token"


def test_a_remembered_token_still_expires(platform) -> None:
    """Decoded tokens are kept per process; a kept one is refused once it expires."""
    from dataclasses import replace

    from socialflow.accounts.tokens import LEEWAY_SECONDS, DecodedTokens, InvalidToken

    decoded = DecodedTokens()
    token = issue_access_token(platform.settings, user_id=1, token_version=0)
    first = decoded.decode(platform.settings, token)
    assert decoded.decode(platform.settings, token) is first  # the second is a lookup
    past = datetime.now(UTC) - timedelta(seconds=LEEWAY_SECONDS + 1)
    decoded._claims[token] = replace(first, expires_at=past)
    with pytest.raises(InvalidToken):
        decoded.decode(platform.settings, token)
    with pytest.raises(InvalidToken):
        decoded.decode(platform.settings, token + "x")  # forged: never remembered
