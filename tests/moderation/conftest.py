"""Helpers for the moderation tests: users of each role, content to report, short calls."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.accounts.models import Role
from socialflow.testing.tasks import wait_for_tasks
from tests.social.conftest import Actor, actor, api, make_post  # noqa: F401 - fixtures re-exported

Api = Callable[..., httpx.Response]


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin": {"moderation": {"report_rate": "8/minute", "claim_lease_seconds": 60}}}


@pytest.fixture
def mod(make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]) -> Actor:
    user = make_user("mod1", role=Role.moderator)
    return Actor(user, auth_headers(user))


@pytest.fixture
def mod2(make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]) -> Actor:
    user = make_user("mod2", role=Role.moderator)
    return Actor(user, auth_headers(user))


@pytest.fixture
def admin(make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]) -> Actor:
    user = make_user("boss", role=Role.admin)
    return Actor(user, auth_headers(user))


def report(
    call: Api, who: Actor, target_type: str, target_id: Any, reason: str = "spam", text: str = ""
) -> httpx.Response:
    return call(
        "POST",
        "/reports",
        who,
        json={
            "target_type": target_type,
            "target_id": str(target_id),
            "reason": reason,
            "text": text,
        },
    )


def act(
    call: Api, who: Actor, target_type: str, target_id: Any, kind: str, **extra: Any
) -> httpx.Response:
    body = {
        "target_type": target_type,
        "target_id": str(target_id),
        "kind": kind,
        "reason": "rules",
    }
    body.update(extra)
    return call("POST", "/admin/actions", who, json=body)


def ready_video(
    platform: Any, owner: Actor, title: str = "clip", visibility: str = "public"
) -> str:
    """A video moved to ``ready`` the way the media task ends."""
    from socialflow.video import videos as video_service
    from socialflow.video.models import Video, VideoStatus

    with platform.session() as session:
        video = Video(
            owner_id=owner.id,
            title=title,
            visibility=visibility,
            status=VideoStatus.processing.value,
        )
        session.add(video)
        session.commit()
        video_id = str(video.id)
    token = uuid.uuid4().hex
    claimed = video_service.claim_job(platform.session, platform.settings, video_id, token)
    assert not isinstance(claimed, str), claimed
    assert video_service.finish_job(
        platform.session,
        video_id,
        token,
        prefix=f"{video_service.hls_root(video_id)}{token}/",
        values={"duration": 3.0, "width": 640, "height": 360, "renditions": []},
    )
    wait_for_tasks(platform)
    return video_id
