"""Subscriber-only posts and videos: the ``subscribers`` audience the payments app adds.

Through every route that shows posts or videos (the matrix of
tests/social/test_visibility_matrix.py), a ``subscribers`` post reaches the
author and their live subscribers only; a follower who does not pay, a
stranger and an anonymous reader never see it, nor the subscribers-only
video, even inside a public post. Cancelling ends it at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.social.conftest import follow, make_post
from tests.social.test_visibility_matrix import _routes
from tests.video.conftest import ready_video

TAG = "paywalltag"
WORD = "narwhalfox"
ADMITTED = {"author", "subscriber", "subscribed_follower"}
PUBLIC_ONLY = {"explore", "hashtag", "trending"}


@pytest.fixture
def cast(api, actor, platform) -> dict[str, Any]:
    author = actor("creator")
    subscriber, subscribed_follower = actor("fan_one"), actor("fan_two")
    follower, stranger = actor("follower"), actor("stranger")
    tier = api(
        "POST", "/payments/tiers", author, json={"name": "Club", "price": 500, "currency": "usd"}
    )
    assert tier.status_code == 201, tier.text
    subscriptions = {}
    for fan in (subscriber, subscribed_follower):
        made = api("POST", "/payments/subscriptions", fan, json={"tier_id": tier.json()["id"]})
        assert made.status_code == 201, made.text
        assert made.json()["status"] == "active"
        subscriptions[fan.name] = made.json()["id"]
    follow(api, subscribed_follower, author)
    follow(api, follower, author)
    mentions = "@fan_one @fan_two @follower @stranger"
    post = make_post(api, author, f"{WORD} #{TAG} members only {mentions}", "subscribers")
    video_id = ready_video(platform, author.id, title="Members", visibility="subscribers")
    carrier = api("POST", "/posts", author, json={"text": "for members", "video_id": video_id})
    assert carrier.status_code == 201, carrier.text
    return {
        "author": author,
        "subscriber": subscriber,
        "subscribed_follower": subscribed_follower,
        "follower": follower,
        "stranger": stranger,
        "anonymous": None,
        "post": post["id"],
        "video": video_id,
        "carrier": carrier.json()["id"],
        "subscriptions": subscriptions,
    }


def test_subscriber_only_posts_and_videos_reach_subscribers_only(api, cast) -> None:
    failures = []
    for viewer in ("author", "subscriber", "subscribed_follower", "follower", "stranger"):
        seen = _routes(api, cast[viewer], cast["post"], cast["author"].name, TAG, WORD)
        for route, reached in seen.items():
            expected = viewer in ADMITTED and route not in PUBLIC_ONLY
            if route == "home" and viewer == "subscriber":
                expected = False  # home lists followed accounts
            if route == "notifications" and viewer == "author":
                continue
            if reached != expected:
                failures.append(f"{viewer} via {route}: {reached}")
    for viewer in (*ADMITTED, "follower", "stranger", "anonymous"):
        allowed = viewer in ADMITTED
        who = cast[viewer]
        assert (api("GET", f"/videos/{cast['video']}", who).status_code == 200) is allowed
        playlist = api("GET", f"/videos/{cast['video']}/master.m3u8", who)
        assert (playlist.status_code == 200) is allowed, viewer
        carried = api("GET", f"/posts/{cast['carrier']}", who).json()
        assert (carried["video"] is not None) is allowed, viewer
    assert not failures, "\n".join(failures)


def test_cancelling_ends_access_at_once(api, cast) -> None:
    fan = cast["subscriber"]
    assert api("GET", f"/posts/{cast['post']}", fan).status_code == 200
    sub_id = cast["subscriptions"][fan.name]
    cancelled = api(
        "POST", f"/payments/subscriptions/{sub_id}/cancel", fan, json={"at_period_end": False}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert api("GET", f"/posts/{cast['post']}", fan).status_code == 404
    assert api("GET", f"/videos/{cast['video']}", fan).status_code == 404
