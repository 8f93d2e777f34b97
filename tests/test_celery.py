"""Celery: a real task through a real worker process, on the SQLite broker and on Redis."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from socialflow.testing.services import require_redis


@pytest.fixture(params=["sqlite-broker", "redis-broker"])
def socialflow_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    overrides: dict[str, Any] = {"task_always_eager": False}
    if request.param == "redis-broker":
        overrides["redis_url"] = require_redis()
        overrides["redis_namespace"] = f"sftest-{uuid.uuid4().hex[:10]}"
    else:
        overrides["redis_url"] = None
        overrides["broker_url"] = None
    return overrides


def test_real_worker_runs_a_task(platform: Any, celery_worker: Any) -> None:
    broker = platform.settings.broker_url
    assert broker.startswith("redis://" if platform.settings.redis_url else "sqla+sqlite://")
    result = platform.celery.send_task("socialflow.system.ping", args=["hello"])
    answer = result.get(timeout=60)
    assert answer["value"] == "hello"
    assert answer["database"] is True
    assert answer["pid"] != os.getpid()  # it ran in the worker, not here


def test_reliability_settings(platform: Any) -> None:
    conf = platform.celery.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert {queue.name for queue in conf.task_queues} == {"default", "media"}
