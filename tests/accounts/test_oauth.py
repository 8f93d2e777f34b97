"""OpenID Connect login against a provider the test runs itself on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pyotp
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
            },
            # The presets, with endpoints pointed at the local provider.
            "hub": {
                "preset": "github",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{provider.issuer}/authorize",
                "token_url": f"{provider.issuer}/token",
                "userinfo_url": f"{provider.issuer}/user",
            },
            "bird": {
                "preset": "x",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authorize_url": f"{provider.issuer}/authorize",
                "token_url": f"{provider.issuer}/token",
                "userinfo_url": f"{provider.issuer}/2/users/me",
            },
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
    assert ("nonce=" in start.headers["location"]) is (name == "test")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    return client.get(at_provider.headers["location"])


def test_new_account_then_same_account(client: httpx.Client, provider: OidcProvider) -> None:
    listed = {p["name"]: p for p in client.get("/api/v1/auth/oauth/providers").json()}
    assert listed["test"]["display_name"] == "Test ID"
    assert listed["hub"]["display_name"] == "Github"
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
    # Replaying the whole callback, cookie included: the state works once.
    replay = httpx.get(callback, headers={"Cookie": f"sf_oauth_state={state_cookie}"})
    assert replay.status_code == 400
    assert "already completed" in replay.json()["detail"]

    provider.rogue_signature = True
    assert sign_in(client).status_code == 400
    provider.rogue_signature = False
    provider.wrong_audience = True
    rejected = sign_in(client)
    assert rejected.status_code == 400
    assert "ID token" in rejected.json()["detail"]


def test_unknown_provider_is_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/auth/oauth/nope/authorize").status_code == 404


def test_github_preset_links_by_primary_verified_email(
    client: httpx.Client, provider: OidcProvider, make_user: Callable[..., User], platform: Any
) -> None:
    from socialflow.models.base import utcnow

    owner = make_user("olive_gh", email_verified_at=utcnow())
    with platform.session() as session:
        stored = session.get(User, owner.id)
        stored.email = "olive@example.com"
        session.add(stored)
        session.commit()
    result = sign_in(client, "hub")
    assert result.status_code == 200, result.text
    assert result.json()["linked"] is True
    assert provider.scopes[-1] == "read:user user:email"
    me = client.get("/api/v1/users/me", headers=bearer(result.json())).json()
    assert me["id"] == owner.id


def test_x_preset_has_no_email_and_creates_an_account(
    client: httpx.Client, provider: OidcProvider
) -> None:
    result = sign_in(client, "bird")
    assert result.status_code == 200, result.text
    assert result.json()["created"] is True
    me = client.get("/api/v1/users/me", headers=bearer(result.json())).json()
    assert me["username"] == "olive_x"
    assert me["email"].startswith("bird-")
    assert me["email"].endswith("@oauth.invalid")
    assert sign_in(client, "bird").json()["created"] is False


def test_two_factor_accounts_need_their_code_after_external_sign_in(
    client: httpx.Client, provider: OidcProvider
) -> None:
    first = sign_in(client).json()
    setup = client.post("/api/v1/auth/2fa/setup", headers=bearer(first)).json()
    totp = pyotp.TOTP(setup["secret"])
    enabled = client.post(
        "/api/v1/auth/2fa/enable", headers=bearer(first), json={"otp": totp.now()}
    )
    assert enabled.status_code == 200

    challenged = sign_in(client)
    assert challenged.status_code == 401
    assert challenged.json()["type"] == "urn:socialflow:problem:otp-required"
    mfa_token = challenged.json()["mfa_token"]
    wrong = client.post("/api/v1/auth/2fa/verify", json={"mfa_token": mfa_token, "otp": "000000"})
    assert wrong.status_code == 401
    forged = client.post(
        "/api/v1/auth/2fa/verify", json={"mfa_token": mfa_token + "x", "otp": totp.now()}
    )
    assert forged.json()["type"] == "urn:socialflow:problem:invalid-mfa-token"
    done = client.post(
        "/api/v1/auth/2fa/verify",
        json={"mfa_token": mfa_token, "otp": totp.at(time.time() + 30)},
    )
    assert done.status_code == 200, done.text
    me = client.get("/api/v1/users/me", headers=bearer(done.json())).json()
    assert me["username"] == "olive"
    sessions = client.get("/api/v1/auth/sessions", headers=bearer(done.json())).json()["items"]
    assert all(s["method"] == "oauth:test" for s in sessions)
