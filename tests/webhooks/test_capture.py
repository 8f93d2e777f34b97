"""Deliveries are written in the event's transaction: none on rollback, none lost when
the task is; the app is optional and switched off leaves no route or listener."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from socialflow.accounts.models import Role, User
from socialflow.accounts.users import delete_account
from socialflow.app import create_app
from socialflow.core.effects import record_event
from socialflow.social.posts import create_post
from socialflow.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import Actor, Api, Receiver, deliveries, register, run_sweep


def _count(platform: Any, model: Any) -> int:
    with platform.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_lost_task_is_found_by_the_sweep(
    api: Api,
    actor: Callable[..., Actor],
    receiver: Receiver,
    platform: Any,
    make_platform: Callable[..., Any],
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    # A platform whose tasks go to a broker no worker reads: the delivery's task is "lost".
    silent = make_platform(task_always_eager=False, celery_namespace=f"nobody-{uuid.uuid4().hex}")
    with silent.session() as session:
        user = session.get(User, alice.id)
        create_post(session, platform=silent, author=user, text="lost in the broker")
        session.commit()  # routes commit; services leave it to them
    (pending,) = deliveries(api, alice, endpoint["id"])
    assert (pending["status"], pending["attempts"]) == ("pending", 0)
    assert receiver.bodies() == []

    assert run_sweep(platform)["requeued"] == 1
    (done,) = deliveries(api, alice, endpoint["id"])
    assert (done["status"], done["attempts"]) == ("delivered", 1)
    assert run_sweep(platform)["requeued"] == 0


def test_a_rolled_back_event_leaves_no_delivery(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, platform: Any
) -> None:
    alice = actor("alice")
    register(api, alice, receiver.hook, ["post_created", "post_edited"])
    with platform.session() as session:
        user = session.get(User, alice.id)
        post = create_post(session, platform=platform, author=user, text="kept")
        session.commit()  # routes commit; services leave it to them
        session.execute(select(1))  # a transaction under way, as in a service
        record_event(session, "post_edited", post_id=post.id, author_id=alice.id)
        session.rollback()  # the edit's event goes with its transaction
        session.commit()
    assert _count(platform, WebhookDelivery) == 1  # the post_created of the committed post
    assert [b'"type":"post_created"' in body for body in receiver.bodies()] == [True]


def test_deleting_an_account_deletes_its_endpoints(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, platform: Any
) -> None:
    alice, admin = actor("alice"), actor("root", role=Role.admin)
    register(api, alice, receiver.hook, ["*"])
    register(api, admin, receiver.hook, ["user_deleted"])
    with platform.session() as session:
        user = session.get(User, alice.id)
        delete_account(session=session, user=user, actor_id=alice.id, ip=None)
        session.commit()
    with platform.session() as session:
        owners = session.execute(select(WebhookEndpoint.owner_id)).scalars().all()
    assert owners == [admin.id]
    # The admin heard of it; alice's own endpoint did not.
    (body,) = receiver.bodies()
    assert b'"type":"user_deleted"' in body


def test_switched_off_the_app_leaves_no_route_and_no_listener(
    make_platform: Callable[..., Any],
) -> None:
    off = make_platform(disabled_apps=["webhooks"])
    assert "webhooks" not in off.plugins.app_names()
    paths = {getattr(route, "path", "") for route in create_app(platform=off).routes}
    assert not any(path.startswith("/api/v1/webhooks") for path in paths)
    assert "webhooks-sweep" not in off.celery.conf.beat_schedule


def test_the_sweep_is_on_the_beat_schedule(platform: Any) -> None:
    entry = platform.celery.conf.beat_schedule["webhooks-sweep"]
    assert entry["task"] == "socialflow.webhooks.sweep"
