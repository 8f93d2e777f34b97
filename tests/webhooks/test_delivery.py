"""Events reach the endpoints entitled to them, signed, retried, logged, replayable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from standardwebhooks import Webhook

from socialflow.accounts.models import Role
from socialflow.testing.waiting import wait_until
from socialflow.webhooks.signing import new_secret
from tests.social.conftest import follow, make_post
from tests.webhooks.conftest import Actor, Api, Receiver, deliveries, register, run_sweep


def _types(receiver: Receiver) -> list[str]:
    return [json.loads(body)["type"] for body in receiver.bodies()]


def test_an_event_arrives_signed_and_verifies_with_the_secret(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    post = make_post(api, alice, "hello hooks")

    (request,) = [r for r in receiver.requests if r.path == "/hook"]
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "post_created"
    assert payload["data"]["post_id"] == post["id"]
    assert payload["data"]["author_id"] == alice.id
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    # A wrong secret does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook(new_secret()).verify(request.body, request.headers)

    (logged,) = deliveries(api, alice, endpoint["id"])
    assert logged["status"] == "delivered"
    assert logged["attempts"] == 1
    assert logged["response_status"] == 200
    assert logged["response_snippet"] == "answered 200"
    assert logged["message_id"] == request.headers["webhook-id"]
    assert logged["duration_ms"] >= 0


def test_only_events_about_the_owner_are_delivered(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice, bob = actor("alice"), actor("bob")
    register(api, alice, receiver.hook)  # "*": every event alice may see
    make_post(api, bob, "bob's own post")  # not about alice
    follow(api, bob, alice)  # about alice: she is followed
    post = make_post(api, alice, "alice posts")
    assert api("POST", f"/posts/{post['id']}/like", bob).status_code == 200
    assert api("POST", f"/posts/{post['id']}/bookmark", bob).status_code == 204  # private to bob
    assert api("POST", f"/users/{alice.name}/mute", bob).status_code == 200  # never told

    assert _types(receiver) == ["followed", "post_created", "liked"]
    for body in receiver.bodies():
        data = json.loads(body)["data"]
        assert alice.id in data.values()


def test_a_mention_in_a_post_the_owner_cannot_see_is_not_delivered(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice, bob = actor("alice"), actor("bob")
    register(api, alice, receiver.hook, ["mentioned"])
    make_post(api, bob, "for my followers, hi @alice", visibility="followers")
    assert receiver.bodies() == []
    make_post(api, bob, "public hi @alice")
    assert _types(receiver) == ["mentioned"]


def test_admins_receive_every_event(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    admin, bob, carol = actor("root", role=Role.admin), actor("bob"), actor("carol")
    register(api, admin, receiver.hook, ["post_created", "followed"])
    make_post(api, bob, "bob")
    follow(api, carol, bob)
    assert _types(receiver) == ["post_created", "followed"]


def test_three_failures_then_the_fourth_attempt_delivers(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, platform: Any
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    receiver.script = [500, 500, 500]
    make_post(api, alice, "retry me")
    (first,) = deliveries(api, alice, endpoint["id"])
    assert (first["status"], first["attempts"], first["response_status"]) == ("pending", 1, 500)
    assert first["next_attempt_at"] is not None
    assert first["error"] == "answered HTTP 500"

    def attempted(count: int) -> Callable[[], bool]:
        def check() -> bool:
            run_sweep(platform)  # what beat queues: due retries whose task is not running
            return len(receiver.bodies()) >= count

        return check

    for count in (2, 3, 4):
        wait_until(attempted(count), timeout=10)
    (done,) = deliveries(api, alice, endpoint["id"])
    assert (done["status"], done["attempts"], done["response_status"]) == ("delivered", 4, 200)
    ids = {r.headers["webhook-id"] for r in receiver.requests if r.path == "/hook"}
    assert ids == {done["message_id"]}  # one message id across every retry
    bodies = set(receiver.bodies())
    assert len(bodies) == 1  # the same body each time
    secret = endpoint["secret"]
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)
    assert api("GET", f"/webhooks/{endpoint['id']}", alice).json()["consecutive_failures"] == 0


def test_retries_run_out_then_a_replay_delivers(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, platform: Any
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    receiver.script = [503] * 6  # the first attempt and five retries
    make_post(api, alice, "doomed")

    def failed() -> bool:
        run_sweep(platform)
        return deliveries(api, alice, endpoint["id"])[0]["status"] == "failed"

    wait_until(failed, timeout=10)
    (dead,) = deliveries(api, alice, endpoint["id"])
    assert dead["attempts"] == 6
    assert dead["next_attempt_at"] is None
    assert deliveries(api, alice, endpoint["id"], status="failed")[0]["id"] == dead["id"]

    replayed = api("POST", f"/webhooks/{endpoint['id']}/deliveries/{dead['id']}/replay", alice)
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["status"] == "delivered"
    assert receiver.requests[-1].headers["webhook-id"] == dead["message_id"]


def test_an_endpoint_failing_too_often_is_disabled_and_patch_enables_it(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, platform: Any
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    receiver.script = [500] * 8
    make_post(api, alice, "one")
    make_post(api, alice, "two")

    def disabled() -> bool:
        run_sweep(platform)
        return not api("GET", f"/webhooks/{endpoint['id']}", alice).json()["enabled"]

    wait_until(disabled, timeout=10)
    state = api("GET", f"/webhooks/{endpoint['id']}", alice).json()
    assert state["disabled_reason"].startswith("disabled after 8 consecutive failed attempts")
    assert state["consecutive_failures"] == 8
    sent = len(receiver.bodies())
    make_post(api, alice, "while disabled")  # not captured for a disabled endpoint
    run_sweep(platform)  # pending ones wait while disabled
    assert len(receiver.bodies()) == sent
    assert api("POST", f"/webhooks/{endpoint['id']}/test", alice).status_code == 409

    enabled = api("PATCH", f"/webhooks/{endpoint['id']}", alice, json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] is True
    assert enabled.json()["disabled_reason"] is None
    # Re-enabled: its pending deliveries go out now.
    assert {d["status"] for d in deliveries(api, alice, endpoint["id"])} == {"delivered"}
    assert len(receiver.bodies()) == sent + 2


def test_a_test_ping_is_delivered_and_logged(
    api: Api, actor: Callable[..., Actor], receiver: Receiver
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    response = api("POST", f"/webhooks/{endpoint['id']}/test", alice)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "delivered"
    (body,) = receiver.bodies()
    assert json.loads(body) == {
        "type": "ping",
        "timestamp": json.loads(body)["timestamp"],
        "data": {"endpoint_id": endpoint["id"]},
    }


def test_a_secret_unreadable_after_a_secret_key_change_fails_until_rotated(
    api: Api,
    actor: Callable[..., Actor],
    receiver: Receiver,
    make_platform: Callable[..., Any],
) -> None:
    from socialflow.accounts.models import User
    from socialflow.social.posts import create_post

    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    rekeyed = make_platform(secret_key="another-secret-key-that-is-long-enough-9876543210")
    with rekeyed.session() as session:
        create_post(session, platform=rekeyed, author=session.get(User, alice.id), text="x")
        session.commit()  # routes commit; services leave it to them
    (logged,) = deliveries(api, alice, endpoint["id"])
    assert logged["error"] == "the secret cannot be read (secret_key changed?): rotate it"
    assert receiver.bodies() == []

    rotated = api("POST", f"/webhooks/{endpoint['id']}/rotate-secret", alice).json()["secret"]
    replayed = api("POST", f"/webhooks/{endpoint['id']}/deliveries/{logged['id']}/replay", alice)
    assert replayed.json()["status"] == "delivered"
    (request,) = receiver.requests
    Webhook(rotated).verify(request.body, request.headers)
