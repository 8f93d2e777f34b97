"""``/webhooks``: owners only (no IDOR), the secret shown once, validation as problems."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select

from socialflow.webhooks.models import WebhookEndpoint
from tests.social.conftest import make_post
from tests.webhooks.conftest import Actor, Api, Receiver, deliveries, register


def test_the_secret_is_shown_once_and_never_again(
    api: Api,
    actor: Callable[..., Actor],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    platform: object,
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = actor("alice")
    created = register(api, alice, receiver.hook, ["post_created", "liked"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    make_post(api, alice, "a post")
    rotated = api("POST", f"/webhooks/{created['id']}/rotate-secret", alice)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != secret
    make_post(api, alice, "after rotation")

    seen = [
        api("GET", "/webhooks", alice).text,
        api("GET", f"/webhooks/{created['id']}", alice).text,
        api("PATCH", f"/webhooks/{created['id']}", alice, json={"description": "x"}).text,
        api("GET", f"/webhooks/{created['id']}/deliveries", alice).text,
        api("POST", f"/webhooks/{created['id']}/test", alice).text,
        api("GET", "/users/me/export", alice).text,
    ]
    for text in seen:
        for value in (secret, new_secret, secret[6:], new_secret[6:]):
            assert value not in text
    assert '"webhooks"' in seen[-1]  # the export lists the endpoint, without its secret
    assert all(s not in caplog.text for s in (secret[6:], new_secret[6:]))
    # Stored encrypted, not as given.
    with platform.session() as session:  # type: ignore[attr-defined]
        stored = session.execute(select(WebhookEndpoint.secret_encrypted)).scalar_one()
    assert secret[6:] not in stored
    assert new_secret[6:] not in stored
    # The deliveries after the rotation are signed with the new secret only.
    from standardwebhooks import Webhook

    last = [r for r in receiver.requests if r.path == "/hook"][-1]
    Webhook(new_secret).verify(last.body, last.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(last.body, last.headers)


def test_another_users_endpoint_is_404_everywhere(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice, mallory = actor("alice"), actor("mallory")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    make_post(api, alice, "logged")
    (delivery,) = deliveries(api, alice, endpoint["id"])
    base = f"/webhooks/{endpoint['id']}"
    attempts = [
        ("GET", base, None),
        ("PATCH", base, {"url": receiver.hook + "?stolen"}),
        ("DELETE", base, None),
        ("POST", f"{base}/rotate-secret", None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery['id']}/replay", None),
        ("POST", f"{base}/test", None),
    ]
    for method, path, body in attempts:
        response = api(method, path, mallory, json=body) if body else api(method, path, mallory)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert api("GET", "/webhooks", mallory).json() == {"items": []}
    # A delivery of another endpoint, reached through one's own endpoint id: 404 too.
    own = register(api, mallory, receiver.hook, ["post_created"])
    replay = api("POST", f"/webhooks/{own['id']}/deliveries/{delivery['id']}/replay", mallory)
    assert replay.status_code == 404
    # Untouched, and anonymous callers are 401.
    assert api("GET", base, alice).json()["url"] == receiver.hook
    assert api("GET", "/webhooks").status_code == 401


def test_crud_and_validation(api: Api, actor: Callable[..., Actor], receiver: Receiver) -> None:
    alice = actor("alice")
    bad = api("POST", "/webhooks", alice, json={"url": receiver.hook, "events": ["nonsense"]})
    assert bad.status_code == 422
    assert bad.json()["type"] == "urn:socialflow:problem:invalid-event-type"
    for url in ("ftp://example.com/x", "http://user:pw@127.0.0.1/x", "not a url at all"):
        refused = api("POST", "/webhooks", alice, json={"url": url, "events": ["*"]})
        assert refused.status_code == 422, (url, refused.text)
    extra = api("POST", "/webhooks", alice, json={"url": receiver.hook, "events": ["*"], "x": 1})
    assert extra.status_code == 422

    created = register(api, alice, receiver.hook, ["liked", "post_created", "*"])
    assert created["events"] == ["*"]
    assert created["enabled"] is True
    changed = api(
        "PATCH",
        f"/webhooks/{created['id']}",
        alice,
        json={"events": ["followed"], "enabled": False},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["followed"]
    assert changed.json()["disabled_reason"] == "disabled by its owner"
    assert "secret" not in changed.json()
    assert api("DELETE", f"/webhooks/{created['id']}", alice).status_code == 204
    assert api("GET", f"/webhooks/{created['id']}", alice).status_code == 404


def test_the_delivery_log_pages_by_cursor(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    for n in range(5):
        make_post(api, alice, f"post {n}")
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api("GET", f"/webhooks/{endpoint['id']}/deliveries", alice, params=params).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen == sorted(seen, reverse=True)
