"""Admins change allow-listed settings while the platform runs.

``/admin/settings`` lists what apps declared changeable with the value in
force, the file's value and who changed it; a change is validated like the
file (all or nothing), audited, applies at once in the process that made it
and within the refresh period in another; a reset returns to the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from socialflow.accounts.models import AuditLogEntry
from socialflow.app import create_app
from socialflow.moderation.models import RuntimeSettingValue
from socialflow.moderation.premoderation import applies
from socialflow.testing.server import run_server
from tests.moderation.conftest import Api
from tests.social.conftest import Actor

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    # Sign-ups poll for a change below; the per-IP sign-up limit must not answer first.
    return {
        "plugin": {"moderation": {"report_rate": "8/minute"}},
        "rate_limits": {"register_per_ip": "1000/hour"},
    }


def settings_by_key(api: Api, admin: Actor) -> dict[str, dict[str, Any]]:
    response = api("GET", "/admin/settings", admin)
    assert response.status_code == 200, response.text
    return {item["key"]: item for item in response.json()["items"]}


def sign_up(client: httpx.Client, name: str) -> httpx.Response:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    return client.post("/api/v1/auth/register", json=body)


def test_listing_names_the_allow_list_with_file_values(api: Api, admin: Actor) -> None:
    found = settings_by_key(api, admin)
    assert "moderation.registrations" in found
    assert "moderation.premoderation" in found
    # Fixed at start (the lease, the sweep) or secret: never changeable here.
    assert "moderation.claim_lease_seconds" not in found
    assert not any(key.startswith(("secret", "database", "smtp")) for key in found)
    rate = found["moderation.report_rate"]
    assert (rate["value"], rate["file_value"], rate["changed"]) == ("8/minute", "8/minute", False)
    assert found["moderation.premoderation"]["schema"]["enum"] == ["off", "new_accounts", "all"]


def test_closing_registrations_applies_at_once_and_is_audited(
    api: Api, admin: Actor, client: httpx.Client, platform: Any
) -> None:
    assert sign_up(client, "early").status_code == 201
    changed = api(
        "PATCH",
        "/admin/settings",
        admin,
        json={"values": {"moderation.registrations": "closed"}, "reason": "spam wave"},
    )
    assert changed.status_code == 200, changed.text
    item = {i["key"]: i for i in changed.json()["items"]}["moderation.registrations"]
    assert (item["value"], item["file_value"], item["changed"]) == ("closed", "open", True)
    assert item["updated_by"] == admin.id

    refused = sign_up(client, "late")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith(":registrations-closed")

    reset = api("PATCH", "/admin/settings", admin, json={"reset": ["moderation.registrations"]})
    assert reset.status_code == 200, reset.text
    assert sign_up(client, "later").status_code == 201
    with platform.session() as session:
        entries = session.exec(
            select(AuditLogEntry)
            .where(col(AuditLogEntry.action) == "platform_setting_changed")
            .order_by(col(AuditLogEntry.id))
        ).all()
        assert session.get(RuntimeSettingValue, "moderation.registrations") is None
    assert [(e.details["old"], e.details["new"], e.details["reset"]) for e in entries] == [
        ("open", "closed", False),
        ("closed", "open", True),
    ]
    assert entries[0].actor_id == admin.id
    assert entries[0].details["reason"] == "spam wave"


@pytest.mark.parametrize(
    "body",
    [
        {"values": {"moderation.claim_lease_seconds": 30}},
        {"values": {"secret_key": "x" * 40}},
        {"values": {"moderation.new_account_days": 0}},
        {"values": {"moderation.report_rate": "lots"}},
        {"values": {"moderation.premoderation": "everyone"}},
        {"values": {"moderation.new_account_days": 2, "moderation.premoderation": "never"}},
        {"values": {"moderation.legal_hold": True}, "reset": ["moderation.legal_hold"]},
    ],
)
def test_bad_changes_are_refused_whole(
    api: Api, admin: Actor, platform: Any, body: dict[str, Any]
) -> None:
    refused = api("PATCH", "/admin/settings", admin, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"]
    found = settings_by_key(api, admin)
    assert not any(item["changed"] for item in found.values())
    with platform.session() as session:
        assert session.exec(select(RuntimeSettingValue)).all() == []


def test_premoderation_of_everyone_switched_on_at_run_time(
    api: Api, admin: Actor, actor: Callable[..., Actor], platform: Any
) -> None:
    veteran = actor("veteran")
    with platform.session() as session:
        assert not applies(session, platform, veteran.id)
    body = {"values": {"moderation.premoderation": "all"}, "reason": "raid"}
    assert api("PATCH", "/admin/settings", admin, json=body).status_code == 200
    with platform.session() as session:
        assert applies(session, platform, veteran.id)


def test_a_change_reaches_another_process_within_the_refresh_period(
    api: Api, admin: Actor, make_platform: Callable[..., Any]
) -> None:
    other = make_platform()  # a second platform on the same database stands for process B
    with run_server(create_app(platform=other)) as url, httpx.Client(base_url=url) as b:
        assert sign_up(b, "before").status_code == 201
        body = {"values": {"moderation.registrations": "closed"}}
        assert api("PATCH", "/admin/settings", admin, json=body).status_code == 200
        deadline = time.monotonic() + 10
        attempt = 0
        while sign_up(b, f"after{attempt}").status_code != 403:
            assert time.monotonic() < deadline, "process B never saw the change"
            attempt += 1
            time.sleep(0.2)
