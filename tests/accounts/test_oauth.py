"""OpenID Connect login against a provider the test runs itself on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from socialflow.models.user import AccountState, User
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from socialflow.testing.server import free_port, run_server
from tests.accounts.conftest import bearer
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider


@pytest.fixture
def app_port() -> int:
    return free_port()


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    port = free_port()
    oidc = OidcProvider(issuer=f"http://127.0.0.1:{port}")
    with run_server(oidc.app, port=port):
        yield oidc


@pytest.fixture
def socialflow_overrides(
    accounts_overrides: dict[str, Any], app_port: int, provider: OidcProvider
) -> dict[str, Any]:
    return {
        **accounts_overrides,
        "public_url": f"http://127.0.0.1:{app_port}",
        "oauth": {
            "test": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "server_metadata_url": f"{provider.issuer}/.well-known/openid-configuration",
                "display_name": "Test ID",
            }
        },
    }


@pytest.fixture
def live_server(app: FastAPI, app_port: int) -> Iterator[str]:
    # public_url must name the port, since it is the redirect URI the provider calls back.
    with run_server(app, port=app_port) as url:
        yield url


def sign_in(client: httpx.Client, name: str = "test") -> httpx.Response:
    """What a browser does: our authorize -> the provider -> our callback."""
    start = client.get(f"/api/v1/auth/oauth/{name}/authorize", follow_redirects=False)
    assert start.status_code == 302, start.text
    assert "code_challenge=" in start.headers["location"]
    assert "nonce=" in start.headers["location"]
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    return client.get(at_provider.headers["location"])


def test_new_account_then_same_account(client: httpx.Client, provider: OidcProvider) -> None:
    listed = client.get("/api/v1/auth/oauth/providers").json()
    assert listed[0]["name"] == "test"
    assert listed[0]["display_name"] == "Test ID"
    first = sign_in(client)
    assert first.status_code == 200, first.text
    assert first.json()["created"] is True
    assert provider.pkce_checks == 1
    me = client.get("/api/v1/users/me", headers=bearer(first.json())).json()
    assert me["username"] == "olive"
    assert me["email"] == "olive@example.com"
    assert me["email_verified"] is True
    assert me["has_password"] is False
    again = sign_in(client)
    assert again.json()["created"] is False
    assert client.get("/api/v1/users/me", headers=bearer(again.json())).json()["id"] == me["id"]
    sessions = client.get("/api/v1/auth/sessions", headers=bearer(again.json())).json()["items"]
    assert {s["method"] for s in sessions} == {"oauth:test"}


def test_links_to_a_verified_account_by_verified_email(
    client: httpx.Client, provider: OidcProvider, make_user: Callable[..., User], platform: Any
) -> None:
    from socialflow.models.base import utcnow

    user = make_user("olive_local", email_verified_at=utcnow())
    with platform.session() as session:
        stored = session.get(User, user.id)
        stored.email = "olive@example.com"
        session.add(stored)
        session.commit()
    result = sign_in(client)
    assert result.status_code == 200, result.text
    assert result.json()["linked"] is True
    assert client.get("/api/v1/users/me", headers=bearer(result.json())).json()["id"] == user.id
    # The local password still works: the account was the owner's all along.
    login = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "olive_local", "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 200


def test_pre_registered_unverified_account_loses_its_password(
    client: httpx.Client, provider: OidcProvider, make_user: Callable[..., User], platform: Any
) -> None:
    squatter = make_user("squatter", state=AccountState.unverified)
    with platform.session() as session:
        stored = session.get(User, squatter.id)
        stored.email = "olive@example.com"
        session.add(stored)
        session.commit()
    result = sign_in(client)
    assert result.json()["linked"] is True
    login = client.post(
        "/api/v1/auth/login", json={"username_or_email": "squatter", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 401


def test_unverified_external_email_never_links(
    client: httpx.Client, provider: OidcProvider, make_user: Callable[..., User], platform: Any
) -> None:
    owner = make_user("olive_owner")
    with platform.session() as session:
        stored = session.get(User, owner.id)
        stored.email = "olive@example.com"
        session.add(stored)
        session.commit()
    provider.identity["email_verified"] = False
    result = sign_in(client)
    assert result.status_code == 200, result.text
    assert result.json()["created"] is True
    me = client.get("/api/v1/users/me", headers=bearer(result.json())).json()
    assert me["id"] != owner.id
    assert me["email"].endswith("@oauth.invalid")


def test_state_must_match_and_come_from_this_browser(
    client: httpx.Client, provider: OidcProvider, live_server: str
) -> None:
    start = client.get("/api/v1/auth/oauth/test/authorize", follow_redirects=False)
    callback = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    # Another browser (no state cookie) cannot finish this flow: login CSRF.
    with httpx.Client(base_url=live_server) as stranger:
        foreign = stranger.get(callback)
    assert foreign.status_code == 400
    assert foreign.json()["type"] == "urn:socialflow:problem:oauth-failed"
    tampered = client.get(callback.replace("state=", "state=x"))
    assert tampered.status_code == 400


def test_code_replay_and_bad_id_tokens_are_refused(
    client: httpx.Client, provider: OidcProvider
) -> None:
    start = client.get("/api/v1/auth/oauth/test/authorize", follow_redirects=False)
    callback = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    state_cookie = start.cookies["sf_oauth_state"]
    assert client.get(callback).status_code == 200
    # Replaying the whole callback, cookie included: the provider refuses the spent code.
    replay = httpx.get(callback, headers={"Cookie": f"sf_oauth_state={state_cookie}"})
    assert replay.status_code == 400
    assert "refused the code" in replay.json()["detail"]

    provider.rogue_signature = True
    assert sign_in(client).status_code == 400
    provider.rogue_signature = False
    provider.wrong_audience = True
    rejected = sign_in(client)
    assert rejected.status_code == 400
    assert "ID token" in rejected.json()["detail"]


def test_unknown_provider_is_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/auth/oauth/nope/authorize").status_code == 404
