"""The admin API: accounts (search, roles, 2FA reset) and the audit log (filters, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pyotp

from tests.moderation.conftest import Api, act, make_post
from tests.social.conftest import Actor


def test_search_and_roles(api: Api, actor: Callable[..., Actor], mod: Actor, admin: Actor) -> None:
    alice, alfred, bob = actor("alice"), actor("alfred"), actor("bob")
    found = api("GET", "/admin/users", mod, params={"q": "AL"}).json()["items"]
    assert [u["username"] for u in found] == ["alfred", "alice"]
    assert found[0]["email"] == "alfred@example.com"  # staff see private fields
    by_role = api("GET", "/admin/users", mod, params={"role": "admin"}).json()["items"]
    assert [u["username"] for u in by_role] == ["boss"]
    wildcard = api("GET", "/admin/users", mod, params={"q": "%"}).json()["items"]
    assert wildcard == []  # LIKE wildcards are literal
    promoted = api("POST", f"/admin/users/{bob.id}/role", admin, json={"role": "moderator"})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "moderator"
    assert api("GET", "/admin/reports", bob).status_code == 200  # bob may moderate now
    own = api("POST", f"/admin/users/{admin.id}/role", admin, json={"role": "user"})
    assert own.status_code == 409
    bad = api("POST", f"/admin/users/{bob.id}/role", admin, json={"role": "god"})
    assert bad.status_code == 422
    assert api("GET", "/admin/users/999999", mod).status_code == 404
    assert alice.id != alfred.id


def test_reset_two_factor(api: Api, actor: Callable[..., Actor], admin: Actor) -> None:
    alice = actor("alice")
    secret = api("POST", "/auth/2fa/setup", alice).json()["secret"]
    enabled = api("POST", "/auth/2fa/enable", alice, json={"otp": pyotp.TOTP(secret).now()})
    assert enabled.status_code == 200, enabled.text
    reset = api("POST", f"/admin/users/{alice.id}/2fa/reset", admin)
    assert reset.status_code == 200
    assert reset.json() == {"was_enabled": True}
    login = api(
        "POST",
        "/auth/login",
        None,
        json={"username_or_email": "alice", "password": "correct horse battery staple"},
    )
    assert login.status_code == 200, login.text  # no second factor asked any more
    assert "access_token" in login.json()
    again = api("POST", f"/admin/users/{alice.id}/2fa/reset", admin).json()
    assert again == {"was_enabled": False}
    entries = api("GET", "/admin/audit", admin, params={"action": "2fa_reset"}).json()["items"]
    assert len(entries) == 2
    assert entries[0]["actor_id"] == admin.id


def test_audit_filters_pages_and_csv(
    api: Api, actor: Callable[..., Actor], mod: Actor, mod2: Actor, admin: Actor
) -> None:
    alice = actor("alice")
    first = make_post(api, alice, '=HYPERLINK("http://evil")')
    assert (
        act(api, mod, "post", first["id"], "warn", reason="=cmd|' /C calc'!A0").status_code == 201
    )
    for i in range(3):
        post = make_post(api, alice, f"p{i}")
        assert act(api, mod2, "post", post["id"], "warn").status_code == 201
    by_mod2 = api("GET", "/admin/audit", admin, params={"actor_id": mod2.id, "limit": 2}).json()
    assert [e["actor_id"] for e in by_mod2["items"]] == [mod2.id, mod2.id]
    rest = api(
        "GET",
        "/admin/audit",
        admin,
        params={"actor_id": mod2.id, "limit": 2, "cursor": by_mod2["next_cursor"]},
    ).json()
    assert len(rest["items"]) == 1
    about_alice = api("GET", "/admin/audit", admin, params={"subject_user_id": alice.id}).json()
    assert {e["action"] for e in about_alice["items"]} == {"moderation_warn"}
    future = api("GET", "/admin/audit", admin, params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["items"] == []
    assert api("GET", "/admin/audit", admin, params={"action": "bad action!"}).status_code == 422
    exported = api("GET", "/admin/audit.csv", admin, params={"action": "moderation_warn"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["id", "created_at", "action", "actor_id", "subject_user_id", "ip", "details"]
    assert len(rows) == 5
    assert {row[2] for row in rows[1:]} == {"moderation_warn"}
    assert all(not row[6].startswith("=") for row in rows[1:])
    evil = [row for row in rows[1:] if "calc" in row[6]]
    assert evil
    assert evil[0][6].startswith("{")  # JSON details: never a formula
