"""Notification e-mail: unsubscribe links that work without login, and digests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from socialflow.core.db.base import utcnow
from socialflow.notifications.digests import send_due_digests
from socialflow.notifications.tasks import DIGEST_TASK
from tests.notifications.conftest import ok
from tests.notifications.delivery.test_push_delivery import rows, verified
from tests.social.conftest import follow, make_post

PREFS = "/notifications/preferences"


def unsubscribe_url(message: Any) -> str:
    return str(message["List-Unsubscribe"]).strip("<>")


def test_one_click_unsubscribe_turns_off_that_kind(api, actor, client, mailbox) -> None:
    ana, bob = verified(actor, "ana"), actor("bob")
    make_post(api, bob, "hi @ana")
    message = mailbox.wait_for("ana@example.com", "mentioned")
    url = unsubscribe_url(message)
    assert url in mailbox.body(message)  # the same link in the body, for any mail client
    token = parse_qs(urlparse(url).query)["token"][0]
    # The link's page asks for the click (mail scanners open links): nothing changes yet.
    page = api("GET", "/notifications/unsubscribe", params={"token": token})
    assert page.status_code == 200
    assert "<form method=post>" in page.text
    assert ok(api("GET", PREFS, ana))["kinds"]["mentioned"]["email"] is True
    # The one click (RFC 8058 POST), without any login.
    done = client.post(
        "/api/v1/notifications/unsubscribe",
        params={"token": token},
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"kind": "mentioned", "email": False}
    kinds = ok(api("GET", PREFS, ana))["kinds"]
    assert kinds["mentioned"]["email"] is False
    assert kinds["replied"]["email"] is True  # only that kind
    assert kinds["mentioned"]["push"] is True
    make_post(api, actor("cyd"), "and @ana again")
    assert len(mailbox.of_kind("mentioned")) == 1
    # Clicking twice is fine.
    assert api("POST", "/notifications/unsubscribe", params={"token": token}).status_code == 200


def test_forged_or_altered_tokens_are_404(api, actor, mailbox) -> None:
    ana, bob = verified(actor, "ana"), actor("bob")
    make_post(api, bob, "hi @ana")
    url = unsubscribe_url(mailbox.wait_for("ana@example.com", "mentioned"))
    token = parse_qs(urlparse(url).query)["token"][0]
    user_id, kind, signature = token.split(".")
    for forged in (
        f"{bob.id}.{kind}.{signature}",  # someone else
        f"{user_id}.liked.{signature}",  # another kind
        f"{user_id}.{kind}.AAAA{signature[4:]}",
        "nonsense",
    ):
        response = api("POST", "/notifications/unsubscribe", params={"token": forged})
        assert response.status_code in (404, 422), (forged, response.text)
    assert ok(api("GET", PREFS, ana))["kinds"]["mentioned"]["email"] is True
    assert ok(api("GET", PREFS, bob))["kinds"]["mentioned"]["email"] is True


def test_digest_replaces_per_notification_mail(api, actor, platform, mailbox) -> None:
    ana = verified(actor, "ana")
    ok(api("PATCH", PREFS, ana, json={"email_digest": "daily"}))
    bob, cyd = actor("bob"), actor("cyd")
    make_post(api, bob, "hi @ana")
    follow(api, cyd, ana)  # followed: e-mail off by default, so not in the digest
    ok(api("POST", f"/users/{ana.name}/follow", bob))
    assert mailbox.of_kind("mentioned") == []
    assert [r.target for r in rows(platform)] == []  # no per-notification e-mail

    assert platform.celery.tasks[DIGEST_TASK].apply().get() == 1
    message = mailbox.wait_for("ana@example.com", "digest")
    body = mailbox.body(message)
    assert message["Subject"] == "Your daily digest: 1 notification"
    assert "bob mentioned you" in body
    assert "cyd" not in body
    assert "List-Unsubscribe" in message
    # Run again (beat every hour, or a re-run): not due, nothing sent twice.
    assert send_due_digests(platform) == 0
    # A day later, only what is new.
    make_post(api, actor("dan"), "yo @ana")
    assert send_due_digests(platform, now=utcnow() + timedelta(days=1)) == 1
    digests = mailbox.of_kind("digest")
    assert len(digests) == 2
    assert "dan mentioned you" in mailbox.body(digests[1])
    assert "bob" not in mailbox.body(digests[1])
    # Its unsubscribe link turns the digest off.
    token = parse_qs(urlparse(unsubscribe_url(digests[1])).query)["token"][0]
    assert (
        ok(api("POST", "/notifications/unsubscribe", params={"token": token}))["kind"] == "digest"
    )
    assert ok(api("GET", PREFS, ana))["email_digest"] == "off"
