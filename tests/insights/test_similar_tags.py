"""Hashtag suggestions by sentence embeddings, with a tiny deterministic embedder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from socialflow.insights import similar, tagging
from tests.insights.fake_embedder import FakeEmbedder
from tests.social.conftest import Actor

Api = Callable[..., httpx.Response]
DRAFT = "Long bicycle tour by the lake"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"plugin_modules": ["tests.insights.fake_embedder"], "text_embedder": "fake"}


@pytest.fixture
def embedder(platform: Any) -> FakeEmbedder:
    found = platform.plugins.text_embedder()
    assert isinstance(found, FakeEmbedder)
    return found


@pytest.fixture
def people(actor: Callable[..., Actor], api: Api) -> dict[str, Actor]:
    alice, bob = actor("alice"), actor("bob")
    for text in ("#cycling at dawn", "More #cycling", "#velo club", "#knitting night"):
        assert api("POST", "/posts", alice, json={"text": text}).status_code == 201
    return {"alice": alice, "bob": bob}


def suggest(api: Api, who: Actor, text: str, **body: Any) -> dict[str, Any]:
    response = api("POST", "/posts/suggest-tags", who, json={"text": text, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_keyword_without_its_tag_in_use_gets_the_closest_one(
    api: Api, people: dict[str, Actor], embedder: FakeEmbedder
) -> None:
    body = suggest(api, people["bob"], DRAFT)
    assert [(s["tag"], s["match"]) for s in body["hashtags"]] == [("cycling", "similar")]
    (cycling,) = body["hashtags"]
    assert cycling["similarity"] == pytest.approx(0.8)
    assert cycling["post_count"] == 2
    assert cycling["keyword"] == body["keywords"][0]["keyword"]  # the most relevant one
    # velo (0.5) is under the embedder's tag_similarity (0.6); knitting is unrelated.
    assert "bicycle" in [s["tag"] for s in body["new"]]


def test_an_exact_match_is_not_replaced_and_costs_no_embedding(
    api: Api, people: dict[str, Actor], embedder: FakeEmbedder
) -> None:
    alice, bob = people["alice"], people["bob"]
    assert api("POST", "/posts", alice, json={"text": "#bicycle repair"}).status_code == 201
    body = suggest(api, bob, "bicycle")
    assert [(s["tag"], s["match"], s["similarity"]) for s in body["hashtags"]] == [
        ("bicycle", "exact", None)
    ]
    assert embedder.calls == []  # nothing unmatched: neither vocabulary nor keywords embedded


def test_the_threshold_and_exclusions(
    api: Api, people: dict[str, Actor], embedder: FakeEmbedder
) -> None:
    bob = people["bob"]
    embedder.tag_similarity = 0.85
    assert suggest(api, bob, DRAFT)["hashtags"] == []
    embedder.tag_similarity = 0.45
    assert [s["tag"] for s in suggest(api, bob, DRAFT)["hashtags"]] == ["cycling"]
    # An excluded tag is never suggested: the next closest one is, if close enough.
    skipped = suggest(api, bob, DRAFT, exclude=["cycling"])["hashtags"]
    assert [(s["tag"], s["similarity"]) for s in skipped] == [("velo", pytest.approx(0.5))]


def test_exact_matches_rank_before_similar_ones_of_equal_relevance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tagging, "keywords", lambda text: [("bicycle", 0.9), ("ridge", 0.9)])
    found = tagging.suggest(
        "a draft",
        lambda tags: {"ridge": 1} if "ridge" in set(tags) else {},
        limit=8,
        similar=lambda keywords, skip: {"bicycle": ("cycling", 0.8, 50)},
    )
    assert [(s["tag"], s["match"]) for s in found["hashtags"]] == [
        ("ridge", "exact"),
        ("cycling", "similar"),
    ]


def test_the_vocabulary_is_embedded_once_and_refreshed_with_only_new_tags(
    api: Api, people: dict[str, Actor], platform: Any, embedder: FakeEmbedder
) -> None:
    now = [0.0]
    vocabularies = similar.TagVocabularies(size=3, refresh_seconds=60, clock=lambda: now[0])
    with platform.session() as session:
        first = vocabularies.get(session, embedder)
        # The 3 most used: cycling (2 posts), then by name.
        assert first.tags == ["cycling", "knitting", "velo"]
        assert first.counts == [2, 1, 1]
        assert embedder.calls == [["cycling", "knitting", "velo"]]
        now[0] = 59
        assert vocabularies.get(session, embedder) is first
    alice = people["alice"]
    for _ in range(2):
        assert api("POST", "/posts", alice, json={"text": "#bicycle again"}).status_code == 201
    with platform.session() as session:
        now[0] = 61
        second = vocabularies.get(session, embedder)
    assert second.tags == ["bicycle", "cycling", "knitting"]
    assert embedder.calls[1:] == [["bicycle"]]
    # Requests share the platform's vocabulary: two suggestions, one vocabulary embedding.
    embedder.calls.clear()
    suggest(api, alice, DRAFT)
    suggest(api, alice, "Knitting a scarf for winter")
    vocabulary = ["bicycle", "cycling", "knitting", "velo"]
    assert embedder.calls[0] == vocabulary
    assert vocabulary not in embedder.calls[1:]
    assert len(embedder.calls) == 3  # the vocabulary, then each draft's unmatched keywords
