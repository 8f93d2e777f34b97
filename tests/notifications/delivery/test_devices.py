"""Devices: register a Web Push subscription or a plugin channel's token; owner-only."""

from __future__ import annotations

from typing import Any

from tests.notifications.conftest import ok

PATH = "/notifications/devices"


def test_register_list_get_delete(api, actor, push_service) -> None:
    ana = actor("ana")
    sub = push_service.subscription("ana-laptop")
    created = api(
        "POST", PATH, ana, json={"channel": "webpush", "subscription": sub, "label": "Laptop"}
    )
    assert created.status_code == 201, created.text
    web = created.json()
    assert web["channel"] == "webpush"
    assert web["label"] == "Laptop"
    assert "subscription" not in web
    token = ok(api("POST", PATH, ana, json={"channel": "tokenpush", "token": "tok-123"}))
    assert [d["id"] for d in ok(api("GET", PATH, ana))["items"]] == [web["id"], token["id"]]
    assert ok(api("GET", f"{PATH}/{web['id']}", ana))["channel"] == "webpush"
    assert api("DELETE", f"{PATH}/{web['id']}", ana).status_code == 204
    assert [d["id"] for d in ok(api("GET", PATH, ana))["items"]] == [token["id"]]
    assert api("GET", f"{PATH}/{web['id']}", ana).status_code == 404


def test_registering_again_is_one_device(api, actor, push_service) -> None:
    ana = actor("ana")
    sub = push_service.subscription("again")
    first = ok(api("POST", PATH, ana, json={"channel": "webpush", "subscription": sub}))
    sub_with_expiry: dict[str, Any] = {**sub, "expirationTime": None}
    again = ok(api("POST", PATH, ana, json={"channel": "webpush", "subscription": sub_with_expiry}))
    assert again["id"] == first["id"]
    assert len(ok(api("GET", PATH, ana))["items"]) == 1


def test_a_token_moves_to_whoever_registers_it_last(api, actor) -> None:
    ana, bob = actor("ana"), actor("bob")
    device = ok(api("POST", PATH, ana, json={"channel": "tokenpush", "token": "shared-phone"}))
    moved = ok(api("POST", PATH, bob, json={"channel": "tokenpush", "token": "shared-phone"}))
    assert moved["id"] == device["id"]
    assert ok(api("GET", PATH, ana))["items"] == []
    assert [d["id"] for d in ok(api("GET", PATH, bob))["items"]] == [device["id"]]


def test_someone_elses_device_is_404(api, actor) -> None:
    ana, eve = actor("ana"), actor("eve")
    device = ok(api("POST", PATH, ana, json={"channel": "tokenpush", "token": "ana-phone"}))
    assert api("GET", f"{PATH}/{device['id']}", eve).status_code == 404
    response = api("DELETE", f"{PATH}/{device['id']}", eve)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert ok(api("GET", PATH, eve))["items"] == []
    assert len(ok(api("GET", PATH, ana))["items"]) == 1
    assert api("GET", PATH).status_code == 401


def test_invalid_registrations_are_422(api, actor, push_service) -> None:
    ana = actor("ana")
    sub = push_service.subscription("x")
    bad = [
        {"channel": "smtp", "token": "a"},  # e-mail is not a push channel
        {"channel": "nosuch", "token": "a"},  # not enabled
        {"channel": "webpush"},  # neither
        {"channel": "webpush", "subscription": sub, "token": "a"},  # both
        {"channel": "webpush", "subscription": {**sub, "keys": {"p256dh": "short", "auth": "x"}}},
        {"channel": "webpush", "subscription": {**sub, "endpoint": "ftp://x"}},
        {"channel": "tokenpush", "token": "has space"},
        {"channel": "tokenpush", "token": "a", "user_id": 1},
    ]
    for body in bad:
        response = api("POST", PATH, ana, json=body)
        assert response.status_code == 422, (body, response.text)
    assert ok(api("GET", PATH, ana))["items"] == []


def test_export_and_account_deletion(api, actor, platform) -> None:
    from socialflow.notifications.devices import list_devices
    from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD

    ana = actor("ana")
    ok(api("POST", PATH, ana, json={"channel": "tokenpush", "token": "secret-token", "label": "P"}))
    ok(api("PATCH", "/notifications/preferences", ana, json={"kinds": {"liked": {"push": False}}}))
    exported = ok(api("GET", "/users/me/export", ana))
    text = str(exported)
    assert "secret-token" not in text
    devices = exported["notification_devices"]
    assert [(d["channel"], d["label"]) for d in devices] == [("tokenpush", "P")]
    assert exported["notification_preferences"]["kinds"]["liked"]["push"] is False
    deleted = api("DELETE", "/users/me", ana, json={"password": DEFAULT_PASSWORD})
    assert deleted.status_code in (200, 204), deleted.text
    with platform.session() as session:
        assert list_devices(session, user_id=ana.id) == []
