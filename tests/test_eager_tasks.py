"""Eager tasks (``task_always_eager``, the test setting) sent from many threads at
once, as a real server's worker threads send them, leave Celery's process-wide
"a task is running" flag as they found it, so ``result.get()`` keeps working."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from celery._state import task_join_will_block

from socialflow.core.effects import PendingTask


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    # Eager on both backends (the services backend otherwise sends tasks to a worker).
    return {"task_always_eager": True}


def test_concurrent_eager_tasks_leave_result_get_usable(platform: Any) -> None:
    assert platform.settings.task_always_eager
    ping = PendingTask(name="socialflow.system.ping", args=("x",))
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda _: platform.enqueue(ping), range(2000)))
    assert not task_join_will_block()
