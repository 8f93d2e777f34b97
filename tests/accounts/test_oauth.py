"""OpenID Connect login against a provider the test runs itself on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlmodel import select

from socialflow.accounts.models import (
    AccountState,
    OAuthAccount,
    RecoveryCode,
    TotpCredential,
    User,
)
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
    from socialflow.core.db.base import utcnow

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
    from socialflow.core.db.base import utcnow

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


# ------------------------------------------------------------- account linking


def test_an_unverified_external_email_is_never_given_to_an_account(
    client: httpx.Client, provider: OidcProvider, platform: Any
) -> None:
    """The attacker comes first, asserting the victim's address unverified; the victim
    later signs in with it verified and gets an account of their own, untouched."""
    provider.identity = {**provider.identity, "sub": "attacker-1", "email_verified": False}
    attacker = sign_in(client)
    assert attacker.json()["created"] is True
    attacker_me = client.get("/api/v1/users/me", headers=bearer(attacker.json())).json()
    assert attacker_me["email"].endswith("@oauth.invalid")
    setup = client.post("/api/v1/auth/2fa/setup", headers=bearer(attacker.json())).json()
    enabled = client.post(
        "/api/v1/auth/2fa/enable",
        headers=bearer(attacker.json()),
        json={"otp": pyotp.TOTP(setup["secret"]).now()},
    )
    assert enabled.status_code == 200

    provider.identity = {**provider.identity, "sub": "victim-1", "email_verified": True}
    victim = sign_in(client)
    assert victim.status_code == 200, victim.text  # no second factor of the attacker's
    assert victim.json()["created"] is True
    victim_me = client.get("/api/v1/users/me", headers=bearer(victim.json())).json()
    assert victim_me["id"] != attacker_me["id"]
    assert victim_me["email"] == "olive@example.com"
    assert victim_me["two_factor_enabled"] is False
    with platform.session() as session:
        links = session.exec(select(OAuthAccount).where(OAuthAccount.user_id == victim_me["id"]))
        assert [link.subject for link in links] == ["victim-1"]


def test_proving_a_never_verified_address_removes_every_other_way_in(
    client: httpx.Client,
    provider: OidcProvider,
    make_user: Callable[..., User],
    platform: Any,
) -> None:
    """A squatter registered the address, set up 2FA, linked an identity and signed in;
    the verified owner arrives through the provider and none of that survives."""
    squatter = make_user("squatter", state=AccountState.unverified)
    with platform.session() as session:
        stored = session.get(User, squatter.id)
        stored.email = "olive@example.com"
        session.add(stored)
        session.add(OAuthAccount(user_id=squatter.id, provider="bird", subject="x-77"))
        session.commit()
    squatter_tokens = client.post(
        "/api/v1/auth/login", json={"username_or_email": "squatter", "password": DEFAULT_PASSWORD}
    ).json()
    setup = client.post("/api/v1/auth/2fa/setup", headers=bearer(squatter_tokens)).json()
    codes = client.post(
        "/api/v1/auth/2fa/enable",
        headers=bearer(squatter_tokens),
        json={"otp": pyotp.TOTP(setup["secret"]).now()},
    ).json()["recovery_codes"]
    assert len(codes) == 10

    owner = sign_in(client)
    assert owner.status_code == 200, owner.text  # the squatter's 2FA is gone
    assert owner.json()["linked"] is True
    me = client.get("/api/v1/users/me", headers=bearer(owner.json())).json()
    assert me["id"] == squatter.id
    assert me["two_factor_enabled"] is False
    assert me["has_password"] is False
    # The squatter's session, password, identity and recovery codes: all gone.
    assert client.get("/api/v1/users/me", headers=bearer(squatter_tokens)).status_code == 401
    password = client.post(
        "/api/v1/auth/login",
        json={"username_or_email": "squatter", "password": DEFAULT_PASSWORD, "otp": codes[0]},
    )
    assert password.status_code == 401
    with platform.session() as session:
        links = session.exec(select(OAuthAccount).where(OAuthAccount.user_id == squatter.id))
        assert [(link.provider, link.subject) for link in links] == [("test", "ext-100")]
        assert session.get(TotpCredential, squatter.id) is None
        assert not list(
            session.exec(select(RecoveryCode).where(RecoveryCode.user_id == squatter.id))
        )
    bird = sign_in(client, "bird")  # the squatter's old identity now lands elsewhere
    assert client.get("/api/v1/users/me", headers=bearer(bird.json())).json()["id"] != squatter.id


# ---------------------------------------------------------------- ID token checks


@pytest.mark.parametrize(
    ("audience", "azp", "accepted"),
    [
        ([CLIENT_ID, "other-client"], None, False),
        ([CLIENT_ID, "other-client"], "other-client", False),
        (CLIENT_ID, "other-client", False),
        ([CLIENT_ID, "other-client"], CLIENT_ID, True),
        (CLIENT_ID, CLIENT_ID, True),
        ([CLIENT_ID], None, True),
    ],
)
def test_audiences_and_authorized_party(
    client: httpx.Client,
    provider: OidcProvider,
    audience: str | list[str],
    azp: str | None,
    accepted: bool,
) -> None:
    provider.audience, provider.azp = audience, azp
    result = sign_in(client)
    if accepted:
        assert result.status_code == 200, result.text
    else:
        assert result.status_code == 400, result.text
        assert "another client" in result.json()["detail"]


@pytest.mark.parametrize(
    ("advertised", "iss", "accepted"),
    [
        (True, None, False),
        (True, "http://127.0.0.1:1/evil", False),
        (False, "http://127.0.0.1:1/evil", False),
        (True, "ISSUER", True),
        (False, "ISSUER", True),
        (False, None, True),
    ],
)
def test_rfc_9207_issuer_in_the_response(
    client: httpx.Client, provider: OidcProvider, advertised: bool, iss: str | None, accepted: bool
) -> None:
    provider.advertise_iss = advertised
    provider.response_iss = provider.issuer if iss == "ISSUER" else iss
    result = sign_in(client)
    assert result.status_code == (200 if accepted else 400), result.text
    if not accepted:
        assert result.json()["type"] == "urn:socialflow:problem:oauth-failed"


@pytest.mark.parametrize("length", [256, 2000])
def test_an_overlong_subject_is_a_clean_400(
    client: httpx.Client, provider: OidcProvider, length: int
) -> None:
    provider.identity = {**provider.identity, "sub": "s" * length}
    result = sign_in(client)
    assert result.status_code == 400, result.text
    assert "too long" in result.json()["detail"]


def test_one_state_completes_one_sign_in_under_concurrency(
    client: httpx.Client, provider: OidcProvider, live_server: str
) -> None:
    start = client.get("/api/v1/auth/oauth/test/authorize", follow_redirects=False)
    callback = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    cookie = {"Cookie": f"sf_oauth_state={start.cookies['sf_oauth_state']}"}
    barrier = threading.Barrier(6)

    def finish(_: int) -> httpx.Response:
        barrier.wait()
        return httpx.get(callback, headers=cookie, timeout=30)

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(r.status_code for r in pool.map(finish, range(6)))
    assert statuses == [200, 400, 400, 400, 400, 400]


# ------------------------------------------------------------- a hanging provider


def test_a_hanging_provider_does_not_stall_other_routes(
    client: httpx.Client,
    provider: OidcProvider,
    live_server: str,
    make_user: Callable[..., User],
    auth_headers: Any,
) -> None:
    # Longer than our read timeout (5 s), short enough that the provider server
    # stops soon after: its shutdown waits for these sleeping requests.
    provider.discovery_delay = 7
    headers = auth_headers(make_user("bystander"))
    clients = [httpx.Client(base_url=live_server, timeout=60) for _ in range(60)]
    barrier = threading.Barrier(61)  # the 60 authorizes and this thread

    def authorize(http: httpx.Client) -> int:
        barrier.wait()
        return http.get("/api/v1/auth/oauth/test/authorize").status_code

    with ThreadPoolExecutor(60) as pool:
        pending = [pool.submit(authorize, http) for http in clients]
        barrier.wait()
        time.sleep(1)  # they are all waiting on the provider (or were refused) now
        began = time.monotonic()
        unrelated = client.get("/api/v1/users/me", headers=headers)
        waited = time.monotonic() - began
        statuses = Counter(future.result() for future in pending)
    for http in clients:
        http.close()
    assert unrelated.status_code == 200
    assert waited < 3, f"an unrelated route waited {waited:.1f}s behind the provider"
    # Rate-limited per IP, the rest refused cleanly (timeout, then the cached failure).
    assert set(statuses) <= {400, 429}, statuses
    assert statuses[429] >= 40, statuses
    began = time.monotonic()
    again = client.get("/api/v1/auth/oauth/test/authorize", headers={"X-Forwarded-For": "1"})
    assert again.status_code in (400, 429)
    assert time.monotonic() - began < 2  # the failure is remembered, not retried
