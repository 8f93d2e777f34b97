"""With a real Celery worker: the first attempt and the retries (countdowns) run there."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from standardwebhooks import Webhook

from socialflow.testing.waiting import wait_until
from tests.social.conftest import make_post
from tests.webhooks.conftest import Actor, Api, Receiver, deliveries, register


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "task_always_eager": False,
        "sqlite_busy_timeout_ms": 30_000,
        "plugin": {
            "webhooks": {
                "allow_private_targets": True,
                "require_https": False,
                "retry_schedule": [0.2, 0.2, 0.2],
                "retry_jitter": 0,
            }
        },
    }


def test_the_worker_retries_until_the_receiver_accepts(
    api: Api, actor: Callable[..., Actor], receiver: Receiver, celery_worker: Any
) -> None:
    alice = actor("alice")
    endpoint = register(api, alice, receiver.hook, ["post_created"])
    receiver.script = [500, 502]
    post = make_post(api, alice, "through the worker")

    def delivered() -> dict[str, Any] | None:
        (logged,) = deliveries(api, alice, endpoint["id"])
        return logged if logged["status"] == "delivered" else None

    logged = wait_until(delivered, timeout=60)
    assert logged["attempts"] == 3
    assert len(receiver.bodies()) == 3
    last = receiver.requests[-1]
    payload = Webhook(endpoint["secret"]).verify(last.body, last.headers)
    assert payload["data"]["post_id"] == post["id"]
    assert {json.loads(b)["type"] for b in receiver.bodies()} == {"post_created"}
