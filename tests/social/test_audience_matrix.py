"""A visibility another app adds (an audience, here ``patrons`` from
``audience_plugin``) holds on every route that shows posts or videos, and other
apps' counters reach the objects they count.

Matrix as in test_visibility_matrix: a ``patrons`` post reaches the author and
the patrons (following or not), never a follower outside the audience, a
stranger or an anonymous reader, and no public listing. A ``patrons`` video is
likewise invisible outside the audience, also when a public post carries it
(the post shows, without its video).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.social.conftest import follow, make_post
from tests.social.test_visibility_matrix import _routes
from tests.video.conftest import ready_video

TAG = "patronmatrix"
WORD = "okapibird"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin_modules": ["tests.social.audience_plugin"]}


@pytest.fixture
def cast(api, actor, platform) -> dict[str, Any]:
    author = actor("creator")
    patron, patron_follower = actor("patron_a"), actor("patron_b")
    follower, stranger = actor("follower"), actor("stranger")
    follow(api, patron_follower, author)
    follow(api, follower, author)
    mentions = "@patron_a @patron_b @follower @stranger"
    post = make_post(api, author, f"{WORD} #{TAG} for patrons {mentions}", "patrons")
    video_id = ready_video(platform, author.id, title="Patrons only", visibility="patrons")
    carrier = api("POST", "/posts", author, json={"text": "new video!", "video_id": video_id})
    assert carrier.status_code == 201, carrier.text
    return {
        "author": author,
        "patron": patron,
        "patron_follower": patron_follower,
        "follower": follower,
        "stranger": stranger,
        "anonymous": None,
        "post": post["id"],
        "video": video_id,
        "carrier": carrier.json()["id"],
    }


ADMITTED = {"author", "patron", "patron_follower"}
PUBLIC_ONLY = {"explore", "hashtag", "trending"}


def test_an_audience_post_reaches_its_audience_only(api, cast) -> None:
    failures = []
    for viewer in ("author", "patron", "patron_follower", "follower", "stranger", "anonymous"):
        seen = _routes(api, cast[viewer], cast["post"], cast["author"].name, TAG, WORD)
        for route, reached in seen.items():
            expected = viewer in ADMITTED and route not in PUBLIC_ONLY
            if route == "home" and viewer == "patron":
                expected = False  # home lists followed accounts; a patron needn't follow
            if route == "notifications" and viewer == "author":
                continue
            if reached != expected:
                failures.append(f"patrons post: {viewer} via {route}: {reached}")
    assert not failures, "\n".join(failures)


def test_an_audience_video_is_seen_by_its_audience_only(api, cast) -> None:
    video_id, author = cast["video"], cast["author"]
    for viewer in ("author", "patron", "patron_follower", "follower", "stranger", "anonymous"):
        who = cast[viewer]
        allowed = viewer in ADMITTED
        read = api("GET", f"/videos/{video_id}", who)
        assert (read.status_code == 200) is allowed, (viewer, read.text)
        playlist = api("GET", f"/videos/{video_id}/master.m3u8", who)
        assert (playlist.status_code == 200) is allowed, (viewer, playlist.status_code)
        listed = api("GET", f"/users/{author.name}/videos", who).json()["items"]
        assert (video_id in [v["id"] for v in listed]) is allowed, viewer
        # The public post carrying it shows to everyone, its video to the audience only.
        post = api("GET", f"/posts/{cast['carrier']}", who).json()
        assert (post["video"] is not None) is allowed, viewer
        if allowed:
            assert post["video"]["master_url"]
    home = api("GET", "/feed/home", cast["follower"]).json()["items"]
    carried = [item for item in home if item["id"] == cast["carrier"]]
    assert carried
    assert carried[0]["video"] is None
    home = api("GET", "/feed/home", cast["patron_follower"]).json()["items"]
    carried = [item for item in home if item["id"] == cast["carrier"]]
    assert carried
    assert carried[0]["video"]["id"] == video_id


def test_unknown_visibilities_are_refused_with_the_accepted_ones_named(api, actor, client) -> None:
    author = actor("writer")
    refused = api("POST", "/posts", author, json={"text": "hi", "visibility": "vips"})
    assert refused.status_code == 422
    assert "patrons" in refused.json()["detail"]
    upload = client.post(
        "/api/v1/uploads",
        headers={
            **author.headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "10",
            "Upload-Metadata": "visibility dmlwcw==",  # "vips"
        },
    )
    assert upload.status_code == 400
    assert "patrons" in upload.json()["detail"]


def test_counters_of_other_apps_reach_users_posts_and_videos(api, cast, platform) -> None:
    author = cast["author"]
    ready_video(platform, author.id, title="For everyone")
    profile = api("GET", f"/users/{author.name}").json()
    # The video app counts public videos (the patrons one is not); the plugin echoes ids.
    assert profile["counters"] == {"echo": author.id, "videos": 1}
    assert api("GET", "/users/me", author).json()["counters"]["echo"] == author.id
    followers = api("GET", f"/users/{author.name}/followers", author).json()["items"]
    assert all(user["counters"]["echo"] == user["id"] for user in followers)
    post = api("GET", f"/posts/{cast['post']}", author).json()
    assert post["counters"] == {"echo": cast["post"]}
    home = api("GET", "/feed/home", author).json()["items"]
    assert home
    assert all(item["counters"] == {"echo": item["id"]} for item in home)
    video = api("GET", f"/videos/{cast['video']}", author).json()
    assert video["counters"] == {"id_length": len(cast["video"])}


def test_with_the_audience_gone_its_posts_are_for_their_author_alone(
    api, cast, make_platform
) -> None:
    """Fail closed: the app that added the audience switched off."""
    plain = make_platform(plugin_modules=[])
    from socialflow.social import posts as post_service

    with plain.session() as session:
        from socialflow.social.models import Post

        post = session.get(Post, cast["post"])
        assert not post_service.can_view(session, cast["patron"].id, post)
        assert post_service.can_view(session, cast["author"].id, post)
