"""Helpers for the analytics tests: a creator with a ready video, beacons, the rollup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.core.effects import PendingTask
from socialflow.testing.tasks import wait_for_tasks
from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported
from tests.video.conftest import ready_video

Api = Callable[..., httpx.Response]


def video_of(platform: Any, owner: Actor, duration: float = 10.0) -> str:
    """A ready public video of ``owner``, ``duration`` seconds long."""
    from socialflow.video.models import Video

    video_id = ready_video(platform, owner.id)
    with platform.session() as session:
        video = session.get(Video, video_id)
        video.duration = duration
        session.add(video)
        session.commit()
    return video_id


def beacon(call: Api, video_id: str, who: Actor | None, **body: Any) -> dict[str, Any]:
    response = call("POST", f"/videos/{video_id}/views", who, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def run_rollup(platform: Any) -> None:
    """Queue the rollup task as beat does (a real worker runs it on the services backend)."""
    from socialflow.analytics.tasks import ROLLUP_TASK, flush_local

    # The API process's buffered events first (the worker has a buffer of its own).
    flush_local(platform)
    platform.enqueue(PendingTask(ROLLUP_TASK))
    wait_for_tasks(platform)


def get_json(call: Api, path: str, who: Actor | None, **params: Any) -> dict[str, Any]:
    response = call("GET", path, who, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin": {"analytics": {"retention_bucket_seconds": 1}}}
