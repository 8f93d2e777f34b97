"""Comment sentiment for owners and hashtag suggestions for drafts, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.social.conftest import Actor

Api = Callable[..., httpx.Response]


@pytest.fixture
def people(actor: Callable[..., Actor]) -> dict[str, Actor]:
    return {"alice": actor("alice"), "bob": actor("bob")}


def test_the_owner_sees_the_sentiment_of_the_comments(api: Api, people: dict[str, Actor]) -> None:
    alice, bob = people["alice"], people["bob"]
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
    api: Api, people: dict[str, Actor], platform: Any
) -> None:
    from socialflow.video.models import Video, VideoStatus

    alice, bob = people["alice"], people["bob"]
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


def test_suggested_hashtags_prefer_the_ones_in_use(api: Api, people: dict[str, Actor]) -> None:
    alice, bob = people["alice"], people["bob"]
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
    assert all(s["match"] == "exact" and s["similarity"] is None for s in body["hashtags"])
    assert all(s["match"] == "new" for s in body["new"])
    assert body["keywords"]
    skipped = api("POST", "/posts/suggest-tags", bob, json={"text": draft, "exclude": ["ridge"]})
    assert "ridge" not in [s["tag"] for s in skipped.json()["hashtags"]]
    empty = api("POST", "/posts/suggest-tags", bob, json={"text": ""})
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")


def test_without_a_text_embedder_only_exact_tags_are_suggested(
    api: Api, people: dict[str, Actor], platform: Any
) -> None:
    assert platform.plugins.text_embedder() is None
    alice, bob = people["alice"], people["bob"]
    assert api("POST", "/posts", alice, json={"text": "#cycling #velo"}).status_code == 201
    body = api("POST", "/posts/suggest-tags", bob, json={"text": "Long bicycle tour"}).json()
    assert body["hashtags"] == []
    assert "bicycle" in [s["tag"] for s in body["new"]]


def test_without_the_libraries_the_routes_answer_503(
    api: Api, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from socialflow.insights import sentiment

    monkeypatch.setitem(sys.modules, "yake", None)  # import yake -> ImportError
    monkeypatch.setitem(sys.modules, "vaderSentiment.vaderSentiment", None)
    monkeypatch.setattr(sentiment, "_analyzer", None)
    alice = people["alice"]
    post = api("POST", "/posts", alice, json={"text": "hello"}).json()
    for method, path, body in (
        ("POST", "/posts/suggest-tags", {"text": "mountain bike"}),
        ("GET", f"/posts/{post['id']}/comments/sentiment", None),
    ):
        response = api(method, path, alice, json=body)
        assert response.status_code == 503, response.text
        assert response.json()["type"].endswith("insights-unavailable")
        assert "socialflow[insights]" in response.json()["detail"]
