"""all-MiniLM-L6-v2 as the platform's text embedder: hashtags in use matched by meaning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from socialflow.plugins.learning import TextEmbedder

from socialflow_ml import embedder, minilm_files

needs_model = pytest.mark.skipif(
    not embedder.available(), reason=f"model not installed: {minilm_files.INSTALL_HINT}"
)


@needs_model
def test_a_keyword_finds_the_hashtag_in_use_that_means_the_same(
    platform: Any, actor: Callable[..., Any], api: Callable[..., Any]
) -> None:
    found = platform.plugins.text_embedder()
    assert isinstance(found, embedder.MiniLMTextEmbedder)
    assert isinstance(found, TextEmbedder)
    assert found.tag_similarity == 0.6
    alice, bob = actor("alice"), actor("bob")
    for text in ("#cycling in the hills", "#cycling again", "#knitting by the fire"):
        assert api("POST", "/posts", alice, json={"text": text}).status_code == 201
    response = api("POST", "/posts/suggest-tags", bob, json={"text": "bicycle"})
    assert response.status_code == 200, response.text
    hashtags = response.json()["hashtags"]
    assert [(s["tag"], s["match"]) for s in hashtags] == [("cycling", "similar")]
    assert hashtags[0]["similarity"] >= 0.6
    assert hashtags[0]["post_count"] == 2
