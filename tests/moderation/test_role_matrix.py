"""Every moderation and admin route against every role: 401, 403 or 2xx as expected.

The table below must name every route under ``/api/v1/admin`` the app mounts
(a test fails on a route missing from it), so a new admin route cannot ship
without its role rule being tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from socialflow.accounts.models import Role
from tests.moderation.conftest import Api, act, make_post, report
from tests.social.conftest import Actor

ANON, USER, MOD, ADMIN = "anonymous", "user", "moderator", "admin"
RANK = {ANON: 0, USER: 1, MOD: 2, ADMIN: 3}


@dataclass
class Call:
    method: str
    template: str  # the route's path, as FastAPI declares it
    path: str
    minimum: str  # the least role that may call it
    json: dict[str, Any] | None = None


def _calls(ids: dict[str, Any]) -> list[Call]:
    case, action, appeal = ids["case"], ids["action"], ids["appeal"]
    post, target = ids["post"], ids["target_user"]
    return [
        Call("GET", "/api/v1/admin/reports", "/admin/reports", MOD),
        Call("GET", "/api/v1/admin/reports/{case_id}", f"/admin/reports/{case}", MOD),
        Call("POST", "/api/v1/admin/reports/{case_id}/claim", f"/admin/reports/{case}/claim", MOD),
        Call(
            "POST", "/api/v1/admin/reports/{case_id}/release", f"/admin/reports/{case}/release", MOD
        ),
        Call(
            "POST",
            "/api/v1/admin/actions",
            "/admin/actions",
            MOD,
            {"target_type": "post", "target_id": str(post), "kind": "hide", "reason": "r"},
        ),
        Call("GET", "/api/v1/admin/actions", "/admin/actions", MOD),
        Call("GET", "/api/v1/admin/verdicts", "/admin/verdicts", MOD),
        Call(
            "GET",
            "/api/v1/admin/reports/{case_id}/messages",
            f"/admin/reports/{case}/messages",
            MOD,
        ),
        Call(
            "POST",
            "/api/v1/admin/reports/{case_id}/messages",
            f"/admin/reports/{case}/messages",
            MOD,
            {"report_id": ids["report"], "text": "hello"},
        ),
        Call(
            "POST",
            "/api/v1/admin/actions/{action_id}/revert",
            f"/admin/actions/{action}/revert",
            MOD,
            {"reason": "r"},
        ),
        Call("GET", "/api/v1/admin/appeals", "/admin/appeals", MOD),
        Call(
            "POST",
            "/api/v1/admin/appeals/{appeal_id}/decision",
            f"/admin/appeals/{appeal}/decision",
            MOD,
            {"outcome": "upheld", "note": "n"},
        ),
        Call(
            "GET",
            "/api/v1/admin/content/{target_type}/{target_id}",
            f"/admin/content/post/{post}",
            MOD,
        ),
        Call("GET", "/api/v1/admin/users", "/admin/users?q=tar", MOD),
        Call("GET", "/api/v1/admin/users/{user_id}", f"/admin/users/{target}", MOD),
        Call(
            "POST",
            "/api/v1/admin/users/{user_id}/suspend",
            f"/admin/users/{target}/suspend",
            MOD,
            {"reason": "r", "duration_hours": 1},
        ),
        Call(
            "POST",
            "/api/v1/admin/users/{user_id}/reinstate",
            f"/admin/users/{target}/reinstate",
            MOD,
            {"reason": "r"},
        ),
        Call(
            "POST",
            "/api/v1/admin/users/{user_id}/role",
            f"/admin/users/{target}/role",
            ADMIN,
            {"role": "creator"},
        ),
        Call(
            "POST",
            "/api/v1/admin/users/{user_id}/2fa/reset",
            f"/admin/users/{target}/2fa/reset",
            ADMIN,
        ),
        Call("GET", "/api/v1/admin/audit", "/admin/audit?action=moderation_*", ADMIN),
        Call("GET", "/api/v1/admin/audit.csv", "/admin/audit.csv", ADMIN),
        Call("GET", "/api/v1/admin/stats", "/admin/stats", ADMIN),
        Call("GET", "/api/v1/admin/settings", "/admin/settings", ADMIN),
        Call(
            "PATCH",
            "/api/v1/admin/settings",
            "/admin/settings",
            ADMIN,
            {"values": {"moderation.report_rate": "20/hour"}},
        ),
        Call("GET", "/api/v1/admin/signup-blocks", "/admin/signup-blocks", ADMIN),
        Call(
            "POST",
            "/api/v1/admin/signup-blocks",
            "/admin/signup-blocks",
            ADMIN,
            {"kind": "domain", "value": "blocked.example"},
        ),
        Call(
            "GET",
            "/api/v1/admin/signup-blocks/{block_id}",
            f"/admin/signup-blocks/{ids['block']}",
            ADMIN,
        ),
        Call(
            "PATCH",
            "/api/v1/admin/signup-blocks/{block_id}",
            f"/admin/signup-blocks/{ids['block']}",
            ADMIN,
            {"reason": "r"},
        ),
        Call(
            "DELETE",
            "/api/v1/admin/signup-blocks/{block_id}",
            f"/admin/signup-blocks/{ids['block']}",
            ADMIN,
        ),
        # The user side: any signed-in user.
        Call("GET", "/api/v1/reports", "/reports", USER),
        Call("GET", "/api/v1/moderation/actions", "/moderation/actions", USER),
        Call("GET", "/api/v1/appeals", "/appeals", USER),
        Call(
            "POST",
            "/api/v1/reports",
            "/reports",
            USER,
            {"target_type": "post", "target_id": str(ids["fresh_post"]), "reason": "spam"},
        ),
    ]


def _setup(
    api: Api, make_user: Callable[..., Any], auth_headers: Callable[..., Any]
) -> dict[str, Any]:
    def who(name: str, role: Role = Role.user) -> Actor:
        user = make_user(name, role=role)
        return Actor(user, auth_headers(user))

    author, reporter, acting = who("author"), who("reporter"), who("actingmod", Role.moderator)
    target = who("target")
    reported = make_post(api, author, "reported")
    filed = report(api, reporter, "post", reported["id"])
    assert filed.status_code == 201
    case = api("GET", "/admin/reports", acting).json()["items"][0]["id"]
    hidden = act(api, acting, "post", make_post(api, author, "hidden")["id"], "hide").json()
    warned = act(api, acting, "post", make_post(api, author, "warned")["id"], "warn").json()
    appeal = api("POST", "/appeals", author, json={"action_id": warned["id"], "text": "please"})
    assert appeal.status_code == 201
    boss = who("setupadmin", Role.admin)
    block = api(
        "POST", "/admin/signup-blocks", boss, json={"kind": "cidr", "value": "192.0.2.0/24"}
    )
    assert block.status_code == 201
    return {
        "block": block.json()["id"],
        "case": case,
        "report": filed.json()["id"],
        "action": hidden["id"],
        "appeal": appeal.json()["id"],
        "post": reported["id"],
        "fresh_post": make_post(api, author, "fresh")["id"],
        "target_user": target.id,
    }


def test_table_covers_every_admin_route(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    mounted = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1/admin")
        for method in operations
    }
    ids = {
        "block": 1,
        "case": 1,
        "report": 1,
        "action": 1,
        "appeal": 1,
        "post": 1,
        "fresh_post": 1,
        "target_user": 1,
    }
    tested = {(call.method, call.template) for call in _calls(ids)}
    assert mounted
    assert mounted - tested == set()


@pytest.mark.parametrize("role", [ANON, USER, MOD, ADMIN])
def test_route_role_matrix(
    api: Api,
    make_user: Callable[..., Any],
    auth_headers: Callable[..., Any],
    role: str,
) -> None:
    ids = _setup(api, make_user, auth_headers)
    caller: Actor | None = None
    if role != ANON:
        user = make_user(
            f"caller_{role}", role={USER: Role.user, MOD: Role.moderator, ADMIN: Role.admin}[role]
        )
        caller = Actor(user, auth_headers(user))
    outcomes = []
    for call in _calls(ids):
        response = api(call.method, call.path, caller, json=call.json)
        if role == ANON:
            expected = "401"
        elif RANK[role] < RANK[call.minimum]:
            expected = "403"
        else:
            expected = "2xx"
        got = "2xx" if 200 <= response.status_code < 300 else str(response.status_code)
        outcomes.append((call.method, call.path, expected, got, response.text[:200]))
    wrong = [o for o in outcomes if o[2] != o[3]]
    assert wrong == []
