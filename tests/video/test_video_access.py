"""Who may see a video, on every route that shows or plays one: blocks hide videos both
ways (as they hide posts), and a private account's videos are for its approved
followers. Routes: the video, its master and rendition playlists (unsigned and by
the signed URLs handed out with it), views, ``GET /videos``, the owner's list,
video search, and the post carrying it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.social.conftest import Actor, follow
from tests.video.conftest import ready_video

TITLE = "Okapi migration"


def _listed(api: Callable[..., httpx.Response], path: str, who: Actor | None, **params: Any) -> Any:
    response = api("GET", path, who, params=params)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, (path, response.text)
    return [item["id"] for item in response.json()["items"]]


def reaches(
    api: Callable[..., httpx.Response],
    who: Actor | None,
    video: dict[str, Any],
    owner: Actor,
    post_id: int,
    *,
    signed: bool = True,
) -> dict[str, bool]:
    """Route -> whether ``video`` (as its owner sees it, with signed URLs) reached ``who``."""
    video_id = video["id"]
    post = api("GET", f"/posts/{post_id}", who)
    seen = {
        "read": api("GET", f"/videos/{video_id}", who).status_code == 200,
        "master": api("GET", f"/videos/{video_id}/master.m3u8", who).status_code == 200,
        "rendition": api("GET", f"/videos/{video_id}/hls/240p/index.m3u8", who).status_code == 200,
        "view": api("POST", f"/videos/{video_id}/views", who, json={}).status_code == 200,
        "list": video_id in _listed(api, "/videos", who),
        "owner_list": video_id in _listed(api, f"/users/{owner.name}/videos", who),
        "search": video_id in _listed(api, "/search", who, q=TITLE, type="videos"),
        "post": post.status_code == 200 and (post.json()["video"] or {}).get("id") == video_id,
    }
    if signed:
        seen["signed_master"] = api("GET", video["master_url"], who).status_code == 200
        rendition_url = video["renditions"][0]["playlist_url"]
        seen["signed_rendition"] = api("GET", rendition_url, who).status_code == 200
    return seen


@pytest.fixture
def owned(api: Callable[..., httpx.Response], actor: Callable[..., Actor], platform: Any) -> Any:
    """An owner with a ready public video carried by a public post, as the owner sees it."""

    def make(owner: Actor) -> tuple[dict[str, Any], int]:
        video_id = ready_video(platform, owner.id, TITLE)
        posted = api("POST", "/posts", owner, json={"text": "look", "video_id": video_id})
        assert posted.status_code == 201, posted.text
        video = api("GET", f"/videos/{video_id}", owner).json()
        return video, int(posted.json()["id"])

    return make


def test_blocks_hide_videos_both_ways(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], owned: Any
) -> None:
    owner, other = actor("owner"), actor("other")
    video, post_id = owned(owner)
    everything = reaches(api, other, video, owner, post_id)
    assert all(everything.values()), everything  # the control: nothing hides it yet
    for blocker, blocked in ((owner, other), (other, owner)):
        assert api("POST", f"/users/{blocked.name}/block", blocker).status_code == 200
        seen = reaches(api, other, video, owner, post_id)
        assert not any(seen.values()), (f"{blocker.name} blocked {blocked.name}", seen)
        assert api("DELETE", f"/users/{blocked.name}/block", blocker).status_code == 200
    # The owner always sees their own; anonymous readers of a public account do too.
    assert all(reaches(api, owner, video, owner, post_id).values())
    assert all(reaches(api, None, video, owner, post_id).values())


def test_private_account_videos_are_for_approved_followers(
    api: Callable[..., httpx.Response], actor: Callable[..., Actor], owned: Any
) -> None:
    owner = actor("owner")
    follower, requester, stranger = actor("follower"), actor("requester"), actor("stranger")
    follow(api, follower, owner)
    video, post_id = owned(owner)
    assert api("PATCH", "/users/me", owner, json={"is_private": True}).status_code == 200
    assert follow(api, requester, owner) == "requested"
    for who in (follower, owner):
        seen = reaches(api, who, video, owner, post_id)
        assert all(seen.values()), (who.name, seen)
    for who in (requester, stranger, None):
        # They never get a signed URL from the API: only the unsigned routes apply.
        seen = reaches(api, who, video, owner, post_id, signed=False)
        assert not any(seen.values()), (who.name if who else "anonymous", seen)
