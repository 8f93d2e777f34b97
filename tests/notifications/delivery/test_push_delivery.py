"""Delivery: a new notification fans out to e-mail and every device, tracked per target.

Through the real ``webpush`` channel (VAPID, aes128gcm) to a local push
service that verifies and decrypts each push, a token channel loaded as an
outside plugin, and the ``smtp`` channel to a local SMTP server.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from socialflow.core.db.base import utcnow
from socialflow.notifications import delivery
from socialflow.notifications.delivery_models import NotificationDelivery, NotificationDevice
from socialflow.notifications.tasks import DELIVER_TASK, FAN_OUT_TASK, SWEEP_TASK
from socialflow.testing.waiting import wait_until
from tests.notifications.conftest import notes, ok
from tests.notifications.delivery.conftest import VAPID_PUBLIC
from tests.social.conftest import follow, make_post

DEVICES = "/notifications/devices"


def verified(actor: Any, name: str) -> Any:
    return actor(name, email_verified_at=utcnow())


def rows(platform: Any) -> list[NotificationDelivery]:
    with platform.session() as session:
        found = session.execute(select(NotificationDelivery).order_by(NotificationDelivery.id))
        return list(found.scalars())


def devices_of(platform: Any, user_id: int) -> list[NotificationDevice]:
    with platform.session() as session:
        found = session.execute(
            select(NotificationDevice).where(NotificationDevice.user_id == user_id)
        )
        return list(found.scalars())


def web_device(api: Any, who: Any, push_service: Any, name: str, prefix: str = "push") -> int:
    sub = push_service.subscription(name, prefix=prefix)
    body = ok(api("POST", DEVICES, who, json={"channel": "webpush", "subscription": sub}))
    return int(body["id"])


def run(platform: Any, task: str, *args: Any) -> Any:
    return platform.celery.tasks[task].apply(args).get()


def test_push_to_every_device_and_email_for_wanted_kinds(
    api, actor, platform, push_service, mailbox
) -> None:
    ana, bob = verified(actor, "ana"), actor("bob")
    web_device(api, ana, push_service, "ana-laptop")
    ok(api("POST", DEVICES, ana, json={"channel": "tokenpush", "token": "ana-phone"}))

    follow(api, bob, ana)  # followed: push by default, no e-mail
    pushes = push_service.received()
    web = [p for p in pushes if p.path == "/push/ana-laptop"]
    assert len(web) == 1
    assert web[0].problems == []
    assert web[0].claims["sub"] == "mailto:ops@example.com"
    assert web[0].claims["k"] == VAPID_PUBLIC
    assert web[0].payload["body"] == "bob started following you"
    assert web[0].payload["kind"] == "followed"
    assert web[0].headers["ttl"] == "86400"
    token = [p for p in pushes if p.path == "/token"]
    assert [(t.payload["token"], t.payload["body"]) for t in token] == [
        ("ana-phone", "bob started following you")
    ]
    assert mailbox.of_kind("followed") == []

    make_post(api, bob, "look @ana")  # mentioned: e-mail too
    message = mailbox.wait_for("ana@example.com", "mentioned")
    assert message["Subject"] == "bob mentioned you"
    assert "/api/v1/notifications/unsubscribe?token=" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len([p for p in push_service.received() if p.path == "/push/ana-laptop"]) == 2
    assert {(r.target.split(":")[0], r.status) for r in rows(platform)} == {
        ("device", "sent"),
        ("email", "sent"),
    }
    assert all(r.attempts == 1 for r in rows(platform))


def test_no_email_to_an_unverified_address(api, actor, platform, mailbox) -> None:
    ana, bob = actor("ana"), actor("bob")
    make_post(api, bob, "hi @ana")
    assert [n["kind"] for n in notes(api, ana)] == ["mentioned"]
    assert rows(platform) == []
    assert mailbox.of_kind("mentioned") == []


def test_preferences_choose_the_targets(api, actor, platform, push_service, mailbox) -> None:
    ana, bob = verified(actor, "ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    ok(
        api(
            "PATCH",
            "/notifications/preferences",
            ana,
            json={"kinds": {"followed": {"push": False, "email": True}}},
        )
    )
    follow(api, bob, ana)
    mailbox.wait_for("ana@example.com", "followed")
    assert push_service.received() == []
    assert [r.target for r in rows(platform)] == ["email"]


def test_recipient_gone_prunes_the_device(api, actor, platform, push_service) -> None:
    ana, bob = actor("ana"), actor("bob")
    gone = web_device(api, ana, push_service, "old-browser", prefix="gone")
    missing = web_device(api, ana, push_service, "other", prefix="missing")
    alive = web_device(api, ana, push_service, "new-browser")
    ok(api("POST", DEVICES, ana, json={"channel": "tokenpush", "token": "dead-phone"}))
    follow(api, bob, ana)
    assert [d.id for d in devices_of(platform, ana.id)] == [alive]
    statuses = sorted(r.status for r in rows(platform))
    assert statuses == ["gone", "gone", "gone", "sent"]
    assert all(r.device_id is None for r in rows(platform) if r.status == "gone")
    assert gone != missing
    ids = [d["id"] for d in ok(api("GET", DEVICES, ana))["items"]]
    assert ids == [alive]


def test_failures_retry_with_backoff_then_give_up(api, actor, platform, push_service) -> None:
    ana, bob = actor("ana"), actor("bob")
    web_device(api, ana, push_service, "flaky")
    push_service.script = [500, 503, 500]  # max_attempts is 3 in these tests
    follow(api, bob, ana)
    (row,) = rows(platform)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "500" in (row.last_error or "")
    assert row.next_attempt_at is not None
    # Retries follow the backoff: the sweep queues the delivery once it is due.
    wait_until(lambda: run(platform, SWEEP_TASK) and rows(platform)[0].attempts == 2, timeout=10)
    assert rows(platform)[0].status == "failed"
    wait_until(lambda: run(platform, SWEEP_TASK) and rows(platform)[0].attempts == 3, timeout=10)
    (row,) = rows(platform)
    assert row.status == "gave_up"
    assert row.next_attempt_at is None
    assert run(platform, SWEEP_TASK) == 0
    assert len(push_service.received()) == 3


def test_backoff_doubles_up_to_the_ceiling(platform) -> None:
    from socialflow.notifications.settings import NotificationSettings

    settings = NotificationSettings(retry_base_seconds=30, retry_max_seconds=100)
    assert [delivery.backoff(n, settings) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_rerun_tasks_send_nothing_twice(api, actor, platform, push_service) -> None:
    """A killed worker's tasks run again: the fan-out adds no row, the attempt no push."""
    ana, bob = actor("ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    follow(api, bob, ana)
    (row,) = rows(platform)
    assert row.status == "sent"
    assert run(platform, FAN_OUT_TASK, row.notification_id) == 0
    assert run(platform, DELIVER_TASK, row.id) == "sent"
    assert len(rows(platform)) == 1
    assert len(push_service.received()) == 1


def test_a_worker_killed_while_sending_is_retried_after_its_lease(
    api, actor, platform, push_service
) -> None:
    ana, bob = actor("ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    push_service.script = [500]
    follow(api, bob, ana)
    (row,) = rows(platform)
    # As a worker that claimed the delivery and died would leave it:
    with platform.session() as session:
        stored = session.get(NotificationDelivery, row.id)
        stored.status = "sending"
        stored.next_attempt_at = utcnow() + timedelta(seconds=300)
        session.add(stored)
        session.commit()
    assert run(platform, DELIVER_TASK, row.id) == "busy"  # a duplicate task: leased
    assert run(platform, SWEEP_TASK) == 0
    later = utcnow() + timedelta(seconds=301)
    with platform.session() as session:
        assert delivery.due_deliveries(session, now=later) == [row.id]
    assert delivery.attempt(platform, row.id, now=later).state == "sent"
    assert len(push_service.received()) == 2


def test_quiet_hours_hold_push_and_email_not_the_inbox(
    api, actor, platform, push_service, mailbox
) -> None:
    ana, bob = verified(actor, "ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    now = utcnow()
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    quiet = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    ok(api("PATCH", "/notifications/preferences", ana, json={"quiet_hours": quiet}))
    make_post(api, bob, "hey @ana")
    assert [n["kind"] for n in notes(api, ana)] == ["mentioned"]  # the inbox has it
    assert push_service.received() == []
    assert mailbox.of_kind("mentioned") == []
    held = rows(platform)
    assert {r.status for r in held} == {"held"}
    due = held[0].next_attempt_at
    assert due is not None
    assert abs((due - end.replace(second=0, microsecond=0)).total_seconds()) < 1
    assert run(platform, SWEEP_TASK) == 0  # not before the end
    for row in held:
        assert delivery.attempt(platform, row.id, now=due + timedelta(seconds=1)).state == "sent"
    assert len(push_service.received()) == 1
    mailbox.wait_for("ana@example.com", "mentioned")


def test_push_text_groups_others_who_did_the_same(api, actor, platform, push_service) -> None:
    ana = actor("ana")
    web_device(api, ana, push_service, "ana")
    post = make_post(api, ana, "my video")
    for name in ("bob", "cyd", "dan"):
        ok(api("POST", f"/posts/{post['id']}/like", actor(name)))
    assert push_service.bodies() == [
        "bob liked your post",
        "cyd and 1 other liked your post",
        "dan and 2 others liked your post",
    ]


def test_no_delivery_for_a_notification_no_longer_shown(api, actor, platform, push_service) -> None:
    ana, bob = actor("ana"), actor("bob")
    web_device(api, ana, push_service, "ana")
    push_service.script = [500]
    follow(api, bob, ana)
    ok(api("POST", f"/users/{bob.name}/block", ana))
    later = utcnow() + timedelta(hours=2)
    (row,) = rows(platform)
    assert delivery.attempt(platform, row.id, now=later).state == "dropped"
    assert len(push_service.received()) == 1
