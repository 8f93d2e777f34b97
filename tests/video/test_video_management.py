"""Video management: the owner edits (``PATCH``) and deletes (``DELETE``) a video, and
``GET /users/{username}/videos`` lists an account's videos as the caller may see them.
Nobody else can touch a video (404, as for a missing one).

Deletion here is immediate (``delete_grace_hours = 0``); the grace period, restoring
and the purge are ``test_video_lifecycle.py``'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.video import videos as video_service
from tests.social.conftest import Actor, follow
from tests.video.conftest import ready_video


@pytest.fixture
def video_settings() -> dict[str, Any]:
    return {"plugin": {"video": {"delete_grace_hours": 0}}}


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _found(api: Callable[..., httpx.Response], q: str) -> list[str]:
    return _ids(api("GET", "/search", None, params={"q": q, "type": "videos"}))


def test_owner_edits_title_description_and_visibility(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner = actor("owner")
    video_id = ready_video(platform, owner.id, "Walrus choir")
    changed = api(
        "PATCH",
        f"/videos/{video_id}",
        owner,
        json={
            "title": "Narwhal choir",
            "description": "Recorded at dawn.",
            "visibility": "unlisted",
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["description"], body["visibility"]) == (
        "Narwhal choir",
        "Recorded at dawn.",
        "unlisted",
    )
    again = api("GET", f"/videos/{video_id}", owner).json()
    assert (again["title"], again["description"]) == ("Narwhal choir", "Recorded at dawn.")
    # Unlisted: out of listings and search, still readable by link.
    assert _found(api, "narwhal") == []
    assert video_id not in _ids(api("GET", "/videos", None))
    assert api("GET", f"/videos/{video_id}", None).status_code == 200
    public = api("PATCH", f"/videos/{video_id}", owner, json={"visibility": "public"})
    assert public.status_code == 200, public.text
    assert _found(api, "narwhal") == [video_id]
    assert _found(api, "dawn") == [video_id]  # the description is searchable too
    assert _found(api, "walrus") == []
    # A partial update leaves the rest alone.
    kept = api("PATCH", f"/videos/{video_id}", owner, json={"description": ""}).json()
    assert (kept["title"], kept["description"], kept["visibility"]) == (
        "Narwhal choir",
        "",
        "public",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "owner_id": 1},
        {"status": "ready"},
        {"visibility": "friends"},
        {"title": "t" * 201},
        {"description": "d" * 5001},
        {"title": 5},
    ],
)
def test_bad_edits_are_422_and_write_nothing(
    api: Callable[..., httpx.Response],
    actor: Callable[..., Actor],
    platform: Any,
    body: dict[str, Any],
) -> None:
    owner = actor("owner")
    video_id = ready_video(platform, owner.id, "Unchanged")
    response = api("PATCH", f"/videos/{video_id}", owner, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    video = api("GET", f"/videos/{video_id}", owner).json()
    assert (video["title"], video["visibility"], video["status"]) == (
        "Unchanged",
        "public",
        "ready",
    )


def test_nobody_else_can_edit_or_delete(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner, other = actor("owner"), actor("other")
    public = ready_video(platform, owner.id, "Mine")
    private = ready_video(platform, owner.id, "Mine too", visibility="private")
    for video_id in (public, private, "0" * 32, "no-such-video"):
        for method, kwargs in (("PATCH", {"json": {"title": "Stolen"}}), ("DELETE", {})):
            response = api(method, f"/videos/{video_id}", other, **kwargs)
            assert response.status_code == 404, (method, video_id, response.text)
            assert response.json()["type"].endswith("video-not-found")
            assert api(method, f"/videos/{video_id}", None, **kwargs).status_code == 401
    for video_id in (public, private):
        video = api("GET", f"/videos/{video_id}", owner).json()
        assert video["title"].startswith("Mine")
        assert platform.storage.list(video_service.videos_prefix(video_id))


def test_delete_removes_the_video_everywhere_and_its_stored_objects(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner, viewer = actor("owner"), actor("viewer")
    video_id = ready_video(platform, owner.id, "Ephemeral otters")
    keep = ready_video(platform, owner.id, "Lasting otters")
    posted = api("POST", "/posts", owner, json={"text": "otters", "video_id": video_id})
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]
    explore = api("GET", "/feed/explore", viewer).json()["items"]
    assert [p["video"]["id"] for p in explore if p["id"] == post_id] == [video_id]
    storage = platform.storage
    with platform.session() as session:
        video = session.get(video_service.Video, video_id)
        prefixes = video_service.storage_prefixes(session, video)
    stored = [key for prefix in prefixes for key in storage.list(prefix)]
    assert len(stored) >= 6  # source, chunk, rendition playlist and segment, poster, storyboard
    assert api("DELETE", f"/videos/{video_id}", owner).status_code == 204

    assert not any(storage.exists(key) for key in stored)
    assert all(storage.list(prefix) == [] for prefix in prefixes)
    assert storage.list(video_service.videos_prefix(keep))  # the other video is untouched
    for who in (owner, viewer, None):
        assert api("GET", f"/videos/{video_id}", who).status_code == 404
        assert api("GET", f"/videos/{video_id}/master.m3u8", who).status_code == 404
        assert video_id not in _ids(api("GET", "/videos", who))
        assert video_id not in _ids(api("GET", f"/users/{owner.name}/videos", who))
        post = api("GET", f"/posts/{post_id}", who).json()
        assert (post["video_id"], post["video"]) == (None, None)
    explore = api("GET", "/feed/explore", viewer).json()["items"]
    assert [p["video"] for p in explore if p["id"] == post_id] == [None]
    assert video_id not in _ids(api("GET", "/videos", owner, params={"mine": True}))
    assert _found(api, "ephemeral") == []
    assert api("DELETE", f"/videos/{video_id}", owner).status_code == 404


def test_user_videos_pages_and_rules(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any
) -> None:
    owner, follower, stranger = actor("owner"), actor("follower"), actor("stranger")
    follow(api, follower, owner)
    public = [ready_video(platform, owner.id, f"Public {n}") for n in range(3)]
    hidden = [
        ready_video(platform, owner.id, "Unlisted", visibility="unlisted"),
        ready_video(platform, owner.id, "Private", visibility="private"),
    ]
    path = f"/users/{owner.name}/videos"

    def every_page(who: Actor | None) -> list[str]:
        ids: list[str] = []
        cursor = None
        for _ in range(10):
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            response = api("GET", path, who, params=params)
            ids += _ids(response)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return ids
        raise AssertionError("pagination did not end")

    newest_first = list(reversed(public))
    for who in (None, stranger, follower):
        assert every_page(who) == newest_first
    assert sorted(every_page(owner)) == sorted(public + hidden)
    assert api("GET", path, None, params={"cursor": "not-a-cursor"}).status_code == 422
    assert api("GET", "/users/nobody-here/videos", None).status_code == 404

    assert api("PATCH", "/users/me", owner, json={"is_private": True}).status_code == 200
    assert every_page(follower) == newest_first
    assert every_page(stranger) == []
    assert every_page(None) == []
    # Blocks, either way: nothing (a blocked user does not even find the account).
    assert api("POST", f"/users/{follower.name}/block", owner).status_code == 200
    assert api("GET", path, follower).status_code == 404
    assert api("POST", f"/users/{owner.name}/block", stranger).status_code == 200
    assert every_page(stranger) == []
