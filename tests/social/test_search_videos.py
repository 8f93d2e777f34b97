"""Search over videos: indexed when ready (and dropped when not), hydrated through the
video domain's public serializer, filtered by the viewer's rules.

Videos become ready through the pipeline's own job steps (``claim_job`` then
``finish_job``), without ffmpeg: these tests are about search, not transcoding.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from socialflow.accounts import users as user_service
from socialflow.testing.tasks import wait_for_tasks
from socialflow.video import videos as video_service
from socialflow.video.models import Video, VideoStatus
from tests.social.conftest import Actor, follow


def ready_video(platform: Any, owner: Actor, title: str, visibility: str = "public") -> str:
    """A video moved to ``ready`` by the same compare-and-set the media task ends with."""
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
    wait_for_tasks(platform)  # the search index task, on the services backend's worker
    return video_id


def found(
    api: Callable[..., httpx.Response], q: str, who: Actor | None = None
) -> list[dict[str, Any]]:
    response = api("GET", "/search", who, params={"q": q, "type": "videos"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def found_ids(api: Callable[..., httpx.Response], q: str, who: Actor | None = None) -> list[str]:
    return [item["id"] for item in found(api, q, who)]


def attach(api: Callable[..., httpx.Response], who: Actor, video_id: str, visibility: str) -> int:
    response = api(
        "POST",
        "/posts",
        who,
        json={"text": "watch", "visibility": visibility, "video_id": video_id},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_ready_videos_are_found_by_title_in_the_public_video_shape(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice = actor("alice")
    sunset = ready_video(platform, alice, "Sunset over the harbour")
    with platform.session() as session:
        pending = Video(owner_id=alice.id, title="Harbour timelapse", status="processing")
        session.add(pending)
        session.commit()
        pending_id = str(pending.id)
    items = found(api, "harbour")
    assert [i["id"] for i in items] == [sunset]
    shown = items[0]
    assert shown["status"] == "ready"
    assert shown["title"] == "Sunset over the harbour"
    assert shown["owner_id"] == alice.id
    assert shown["master_url"].startswith(platform.settings.public_url)
    assert {"renditions", "thumbnail_url", "duration", "view_count"} <= set(shown)
    # The pending one appears once the pipeline marks it ready.
    token = uuid.uuid4().hex
    video_service.claim_job(platform.session, platform.settings, pending_id, token)
    video_service.finish_job(
        platform.session, pending_id, token, prefix=f"videos/{pending_id}/hls/{token}/", values={}
    )
    assert sorted(found_ids(api, "harbour")) == sorted([sunset, pending_id])
    assert found_ids(api, "timelapse", alice) == [pending_id]


def test_a_video_that_is_no_longer_ready_leaves_the_index(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice = actor("alice")
    video_id = ready_video(platform, alice, "Mountain bike descent")
    backend = platform.provider("search")
    assert backend.query("descent", kind="video").ids == [video_id]
    with platform.session() as session:
        video = session.get(Video, video_id)
        video_service.start_processing(session=session, video=video)
        session.commit()
    # The job ran (eagerly, or on the worker): this video has no source, so it failed.
    wait_for_tasks(platform)
    with platform.session() as session:
        assert session.get(Video, video_id).status == VideoStatus.failed.value
    assert backend.query("descent", kind="video").ids == []
    assert found_ids(api, "descent", alice) == []


def test_private_and_unlisted_videos_are_found_only_by_their_owner(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice, bob = actor("alice"), actor("bob")
    public = ready_video(platform, alice, "Garden tour public")
    private = ready_video(platform, alice, "Garden tour private", "private")
    unlisted = ready_video(platform, alice, "Garden tour unlisted", "unlisted")
    assert found_ids(api, "garden", bob) == [public]
    assert found_ids(api, "garden") == [public]
    assert sorted(found_ids(api, "garden", alice)) == sorted([public, private, unlisted])


def test_blocks_and_mutes_hide_the_owners_videos(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice, bob, carol, dave = actor("alice"), actor("bob"), actor("carol"), actor("dave")
    video_id = ready_video(platform, alice, "Kitchen knife skills")
    assert found_ids(api, "kitchen", bob) == [video_id]
    assert api("POST", f"/users/{alice.name}/block", bob).status_code == 200
    assert found_ids(api, "kitchen", bob) == []
    assert api("POST", f"/users/{carol.name}/block", alice).status_code == 200
    assert found_ids(api, "kitchen", carol) == []
    assert api("POST", f"/users/{alice.name}/mute", dave).status_code == 200
    assert found_ids(api, "kitchen", dave) == []
    assert found_ids(api, "kitchen") == [video_id]


def test_a_video_carried_only_by_posts_the_viewer_may_not_see_is_hidden(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice, fan, stranger = actor("alice"), actor("fan"), actor("stranger")
    follow(api, fan, alice)
    video_id = ready_video(platform, alice, "Backstage rehearsal")
    attach(api, alice, video_id, "followers")
    assert found_ids(api, "backstage", stranger) == []
    assert found_ids(api, "backstage") == []
    assert found_ids(api, "backstage", fan) == [video_id]
    assert found_ids(api, "backstage", alice) == [video_id]
    # Also on a public post: now anyone may find it.
    public_post = attach(api, alice, video_id, "public")
    assert found_ids(api, "backstage", stranger) == [video_id]
    # The public post deleted, the followers-only one rules again.
    assert api("DELETE", f"/posts/{public_post}", alice).status_code == 204
    assert found_ids(api, "backstage", stranger) == []


def test_a_suspended_owners_videos_drop_out(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    alice, bob = actor("alice"), actor("bob")
    video_id = ready_video(platform, alice, "Street food market")
    assert found_ids(api, "street", bob) == [video_id]
    with platform.session() as session:
        user = user_service.get_user(session=session, user_id=alice.id)
        user_service.suspend(session=session, user=user, actor_id=None)
        session.commit()
    assert found_ids(api, "street", bob) == []
