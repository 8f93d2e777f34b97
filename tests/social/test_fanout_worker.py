"""Fan-out through a real Celery worker process, in chunks, into the active timeline store."""

from __future__ import annotations

import re
import time

import pytest

from socialflow.feeds.timelines import timeline_store
from tests.social.conftest import follow, make_post

FANS = 5


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"task_always_eager": False, "fanout_chunk_size": 2, "sqlite_busy_timeout_ms": 30_000}


def test_post_fans_out_through_the_worker_in_chunks(api, actor, platform, celery_worker) -> None:
    author = actor("author")
    fans = [actor(f"fan{i}") for i in range(FANS)]
    for fan in fans:
        follow(api, fan, author)
    started = time.monotonic()
    post = make_post(api, author, "hello, followers")
    assert time.monotonic() - started < 5  # the request does not wait for the fan-out
    store = timeline_store(platform)
    deadline = time.monotonic() + 60
    missing = [fan.id for fan in fans]
    while missing and time.monotonic() < deadline:
        with platform.session() as session:
            missing = [
                uid for uid in missing if post["id"] not in store.page(session, uid, None, 10)
            ]
        time.sleep(0.2)
    assert not missing, f"fan-out did not reach {missing} ({store.kind} store)"
    # ceil(5 / 2) = 3 ranges for one post: the fan-out task writes the first, two chunk
    # tasks the others (the worker's log is flushed lazily).
    chunks = 0
    while chunks < 2 and time.monotonic() < deadline:
        log = (platform.settings.project_dir / "worker.log").read_text()
        chunks = len(
            set(re.findall(r"socialflow\.feeds\.fanout_chunk\[([0-9a-f-]+)\] succeeded", log))
        )
        time.sleep(0.2)
    assert chunks == 2
    for fan in fans:
        assert api("GET", "/feed/home", fan).json()["items"][0]["id"] == post["id"]
