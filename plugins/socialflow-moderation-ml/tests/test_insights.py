"""Comment sentiment for owners and hashtag suggestions for drafts, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from helpers import Actor, call


@pytest.fixture
def people(
    make_user: Callable[..., Any], auth_headers: Callable[[Any], dict[str, str]]
) -> dict[str, Actor]:
    made = {}
    for name in ("alice", "bob"):
        user = make_user(name)
        made[name] = Actor(user, auth_headers(user))
    return made


def test_the_owner_sees_the_sentiment_of_the_comments(
    client: httpx.Client, people: dict[str, Actor]
) -> None:
    api, alice, bob = call(client), people["alice"], people["bob"]
    post = api("POST", "/posts", alice, json={"text": "First descent of the season"}).json()
    for text in (
        "This is amazing, I love it!",
        "Great work, so good",
        "Terrible camera work, I hate it",
        "Posted at 9am",
    ):
        made = api("POST", f"/posts/{post['id']}/comments", bob, json={"text": text})
        assert made.status_code == 201
    response = api("GET", f"/posts/{post['id']}/comments/sentiment", alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["positive"], body["neutral"], body["negative"], body["analyzed"]) == (2, 1, 1, 4)
    assert body["shares"]["positive"] == 0.5
    assert body["model"].startswith("vader-")
    # Anyone but the owner: as if it did not exist.
    assert api("GET", f"/posts/{post['id']}/comments/sentiment", bob).status_code == 404
    assert api("GET", "/posts/999999/comments/sentiment", alice).status_code == 404
    assert api("GET", f"/posts/{post['id']}/comments/sentiment", None).status_code == 401


def test_video_sentiment_is_the_owners_alone(
    client: httpx.Client, people: dict[str, Actor], platform: Any
) -> None:
    from socialflow.video.models import Video, VideoStatus

    api, alice, bob = call(client), people["alice"], people["bob"]
    with platform.session() as session:
        video = Video(owner_id=alice.id, title="clip", status=VideoStatus.ready.value)
        session.add(video)
        session.commit()
        video_id = video.id
    post = api("POST", "/posts", alice, json={"text": "watch", "video_id": video_id})
    assert post.status_code == 201, post.text
    api("POST", f"/posts/{post.json()['id']}/comments", bob, json={"text": "Wonderful, love it"})
    body = api("GET", f"/videos/{video_id}/comments/sentiment", alice).json()
    assert (body["target_type"], body["analyzed"], body["positive"]) == ("video", 1, 1)
    assert api("GET", f"/videos/{video_id}/comments/sentiment", bob).status_code == 404


def test_suggested_hashtags_prefer_the_ones_in_use(
    client: httpx.Client, people: dict[str, Actor]
) -> None:
    api, alice, bob = call(client), people["alice"], people["bob"]
    for text in ("#mountainbike at dawn", "More #mountainbike laps #ridge", "#ridge line"):
        assert api("POST", "/posts", alice, json={"text": text}).status_code == 201
    draft = "Sunrise mountain bike ride along the ridge, then coffee in the valley"
    response = api("POST", "/posts/suggest-tags", bob, json={"text": draft})
    assert response.status_code == 200, response.text
    body = response.json()
    tags = [s["tag"] for s in body["hashtags"]]
    assert "mountainbike" in tags
    assert "ridge" in tags
    counts = {s["tag"]: s["post_count"] for s in body["hashtags"]}
    assert counts["mountainbike"] == 2
    assert all(s["post_count"] == 0 for s in body["new"])
    assert body["keywords"]
    skipped = api("POST", "/posts/suggest-tags", bob, json={"text": draft, "exclude": ["ridge"]})
    assert "ridge" not in [s["tag"] for s in skipped.json()["hashtags"]]
    empty = api("POST", "/posts/suggest-tags", bob, json={"text": ""})
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
