"""A burst of posts reaches a follower's home feed within seconds, through a real worker.

On the embedded defaults (the SQLite broker, one worker process) and on
PostgreSQL + Redis (``SOCIALFLOW_TEST_BACKEND=services``) alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.social.conftest import Actor, follow, make_post

BURST = 100
DEADLINE_SECONDS = 10.0

pytestmark = pytest.mark.slow


@pytest.fixture
def socialflow_overrides() -> dict[str, object]:
    return {"task_always_eager": False}


def _home_ids(api: Callable[..., httpx.Response], who: Actor) -> set[int]:
    response = api("GET", "/feed/home", who, params={"limit": BURST})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_a_burst_of_posts_reaches_a_follower_in_seconds(
    api: Callable[..., httpx.Response],
    actor: Callable[..., Actor],
    platform: Any,
    celery_worker: Any,
) -> None:
    author, fan = actor("author"), actor("fan")
    follow(api, fan, author)
    started = time.monotonic()
    posted = {make_post(api, author, f"burst post {n}")["id"] for n in range(BURST)}
    burst_done = time.monotonic()
    missing = posted
    while missing and time.monotonic() < burst_done + DEADLINE_SECONDS:
        missing = posted - _home_ids(api, fan)
        time.sleep(0.1)
    arrived = time.monotonic()
    print(
        f"{BURST} posts in {burst_done - started:.1f}s; all in the fan's home feed "
        f"{arrived - burst_done:.1f}s after the last one ({platform.settings.broker_url[:12]})"
    )
    assert not missing, (
        f"{len(missing)} of {BURST} posts not in the follower's home feed "
        f"{DEADLINE_SECONDS:.0f}s after the burst"
    )
