"""Admins block email domains and IP networks at sign-up.

Registration refuses a blocked domain (and its subdomains) or a client address
inside a blocked network with 403 ``signup-blocked`` and writes no account;
the address is the one the trusted-proxy rule gives (here the test server's
proxy is 127.0.0.1, so ``X-Forwarded-For`` names the client). An account an
OAuth sign-in would create passes the same check. Every change is audited.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from socialflow.accounts.models import AuditLogEntry, User
from socialflow.core.errors import Problem
from tests.moderation.conftest import Api
from tests.social.conftest import Actor

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "plugin": {"moderation": {"report_rate": "8/minute"}},
        "trusted_proxies": ["127.0.0.0/8"],
    }


def sign_up(
    client: httpx.Client, name: str, email: str, ip: str = "198.51.100.20"
) -> httpx.Response:
    body = {"username": name, "email": email, "password": PASSWORD}
    return client.post("/api/v1/auth/register", json=body, headers={"X-Forwarded-For": ip})


def users_named(platform: Any, name: str) -> list[User]:
    with platform.session() as session:
        return list(session.exec(select(User).where(col(User.username) == name)).all())


def test_blocked_domain_and_subdomains(
    api: Api, admin: Actor, client: httpx.Client, platform: Any
) -> None:
    made = api(
        "POST",
        "/admin/signup-blocks",
        admin,
        json={"kind": "domain", "value": "@Spam-Mail.Example.", "reason": "spam wave"},
    )
    assert made.status_code == 201, made.text
    block = made.json()
    assert block["value"] == "spam-mail.example"
    again = {"kind": "domain", "value": "spam-mail.example"}
    assert api("POST", "/admin/signup-blocks", admin, json=again).status_code == 409

    for name, email in (("eve1", "eve@spam-mail.example"), ("eve2", "eve@eu.SPAM-mail.example")):
        refused = sign_up(client, name, email)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith(":signup-blocked")
        assert users_named(platform, name) == []
    assert sign_up(client, "ann", "ann@not-spam-mail.example").status_code == 201

    assert api("DELETE", f"/admin/signup-blocks/{block['id']}", admin).status_code == 204
    assert api("GET", f"/admin/signup-blocks/{block['id']}", admin).status_code == 404
    assert sign_up(client, "eve1", "eve@spam-mail.example").status_code == 201

    with platform.session() as session:
        actions = session.exec(
            select(AuditLogEntry.action).where(col(AuditLogEntry.action).startswith("signup_block"))
        ).all()
    assert sorted(actions) == ["signup_block_added", "signup_block_removed"]


def test_blocked_network(api: Api, admin: Actor, client: httpx.Client, platform: Any) -> None:
    body = {"kind": "cidr", "value": "203.0.113.77/24", "reason": "farm"}
    made = api("POST", "/admin/signup-blocks", admin, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["value"] == "203.0.113.0/24"
    one = api("POST", "/admin/signup-blocks", admin, json={"kind": "cidr", "value": "2001:db8::1"})
    assert one.json()["value"] == "2001:db8::1/128"

    refused = sign_up(client, "farm1", "farm1@example.com", ip="203.0.113.200")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith(":signup-blocked")
    assert users_named(platform, "farm1") == []
    assert sign_up(client, "farm2", "farm2@example.com", ip="2001:db8::1").status_code == 403
    assert sign_up(client, "farm3", "farm3@example.com", ip="203.0.114.1").status_code == 201

    listed = api("GET", "/admin/signup-blocks", admin, params={"kind": "cidr"}).json()["items"]
    assert [b["value"] for b in listed] == ["2001:db8::1/128", "203.0.113.0/24"]
    changed = api("PATCH", f"/admin/signup-blocks/{made.json()['id']}", admin, json={"reason": "x"})
    assert changed.json()["reason"] == "x"
    assert changed.json()["updated_at"] is not None


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "cidr", "value": "not-a-network"},
        {"kind": "domain", "value": "localhost"},
        {"kind": "domain", "value": "bad_domain!.com"},
        {"kind": "country", "value": "example.com"},
    ],
)
def test_bad_blocks_are_422(api: Api, admin: Actor, body: dict[str, str]) -> None:
    refused = api("POST", "/admin/signup-blocks", admin, json=body)
    assert refused.status_code == 422, refused.text
    assert api("GET", "/admin/signup-blocks", admin).json()["items"] == []


def test_oauth_sign_up_passes_the_same_check(api: Api, admin: Actor, platform: Any) -> None:
    from socialflow.accounts import oauth_accounts
    from socialflow.accounts.oauth import ExternalIdentity

    body = {"kind": "domain", "value": "spam-mail.example"}
    assert api("POST", "/admin/signup-blocks", admin, json=body).status_code == 201

    def identity(subject: str, email: str) -> ExternalIdentity:
        return ExternalIdentity(subject, email, True, subject, subject)

    with platform.session() as session:
        with pytest.raises(Problem) as refused:
            oauth_accounts.sign_in(
                session,
                provider="test",
                identity=identity("s1", "x@spam-mail.example"),
                ip="198.51.100.1",
                plugins=platform.plugins,
            )
        assert refused.value.slug == "signup-blocked"
        session.rollback()
        made = oauth_accounts.sign_in(
            session,
            provider="test",
            identity=identity("s2", "y@fine.example"),
            ip="198.51.100.1",
            plugins=platform.plugins,
        )
        assert made.created
        session.commit()
    assert users_named(platform, "s1") == []
