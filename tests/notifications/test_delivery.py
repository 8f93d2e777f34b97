"""Notifications do not wait for a worker: with tasks going to a real Celery
worker (not run eagerly), the notification is there when the action's
response returns, in both test modes (SQLite broker or Redis)."""

from __future__ import annotations

import pytest

from tests.notifications.conftest import kinds_of, ok, unread
from tests.social.conftest import follow, make_post


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"task_always_eager": False, "sqlite_busy_timeout_ms": 30_000}


def test_written_with_the_action_not_by_the_worker(api, actor, celery_worker) -> None:
    alice, bob = actor("alice"), actor("bob")
    follow(api, bob, alice)  # also queues a feed backfill for the worker
    post = make_post(api, alice, "hello @bob")  # and a fan-out
    ok(api("POST", f"/posts/{post['id']}/like", bob))
    # No polling: each notification committed with its action.
    assert kinds_of(api, alice) == [("liked", "bob"), ("followed", "bob")]
    assert kinds_of(api, bob) == [("mentioned", "alice")]
    assert unread(api, alice) == 2
