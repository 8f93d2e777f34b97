"""Hashtags in use that mean what a keyword means, by sentence embeddings.

Used only when a plugin registers a text embedder (``socialflow_text_embedders``,
:meth:`~socialflow.plugins.manager.SocialflowPluginManager.text_embedder`).
The platform's ``VOCABULARY_SIZE`` most used hashtags are embedded once per
process and kept (:class:`TagVocabularies`, one per platform); after
``REFRESH_SECONDS`` the next request refreshes the list, embedding only the
tags new to it, while concurrent requests keep using the previous one. A
request then embeds only its unmatched keywords and compares them with the
vocabulary: one matrix product.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session, col

from socialflow.plugins.learning import TextEmbedder
from socialflow.social.models import PostHashtag

VOCABULARY_SIZE = 5000
REFRESH_SECONDS = 600.0


@dataclass(frozen=True)
class Vocabulary:
    """The most used hashtags (most used first), their post counts and unit vectors."""

    model: tuple[str, str]
    tags: list[str]
    counts: list[int]
    vectors: np.ndarray
    built_at: float

    def nearest(
        self, keywords: np.ndarray, skip: Set[str] = frozenset()
    ) -> list[tuple[str, float, int] | None]:
        """Per keyword vector: the closest tag not in ``skip`` (tag, cosine, post count)."""
        if not self.tags or not len(keywords):
            return [None] * len(keywords)
        cosines = keywords @ self.vectors.T
        if skip:
            cosines[:, [i for i, tag in enumerate(self.tags) if tag in skip]] = -np.inf
        found: list[tuple[str, float, int] | None] = []
        for row in cosines:
            best = int(np.argmax(row))
            score = float(row[best])
            found.append(None if score == -np.inf else (self.tags[best], score, self.counts[best]))
        return found


def most_used(session: Session, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most used hashtags with their post counts, most used first."""
    count = func.count()
    rows = session.execute(
        select(col(PostHashtag.tag), count)
        .group_by(col(PostHashtag.tag))
        .order_by(count.desc(), col(PostHashtag.tag))
        .limit(limit)
    )
    return [(str(tag), int(n)) for tag, n in rows]


def as_matrix(rows: Sequence[Sequence[float]], dimensions: int) -> np.ndarray:
    """Embedder output as float32 rows, normalised again (a plugin's rounding is forgiven)."""
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), dimensions)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class TagVocabularies:
    """The vocabulary of one platform, per embedder model, refreshed after a while.

    Thread-safe: one request builds or refreshes it at a time; while a
    refresh runs, other requests use the previous vocabulary.
    """

    def __init__(
        self,
        *,
        size: int = VOCABULARY_SIZE,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._current: Vocabulary | None = None
        self._lock = threading.Lock()

    def get(self, session: Session, embedder: TextEmbedder) -> Vocabulary:
        """The vocabulary for ``embedder``, built on first use and refreshed when stale."""
        model = (embedder.name, embedder.version)
        current = self._current
        if current is not None and current.model == model:
            if self.clock() - current.built_at < self.refresh_seconds:
                return current
            if not self._lock.acquire(blocking=False):
                return current  # another request is refreshing it
        else:
            self._lock.acquire()
        try:
            current = self._current
            fresh = (
                current is not None
                and current.model == model
                and self.clock() - current.built_at < self.refresh_seconds
            )
            if not fresh:
                self._current = self._build(session, embedder, current)
            assert self._current is not None
            return self._current
        finally:
            self._lock.release()

    def _build(
        self, session: Session, embedder: TextEmbedder, previous: Vocabulary | None
    ) -> Vocabulary:
        model = (embedder.name, embedder.version)
        used = most_used(session, self.size)
        tags = [tag for tag, _ in used]
        known: dict[str, np.ndarray] = {}
        if previous is not None and previous.model == model:
            known = {tag: previous.vectors[i] for i, tag in enumerate(previous.tags)}
        missing = [tag for tag in tags if tag not in known]
        if missing:
            fresh = as_matrix(embedder.embed(missing), embedder.dimensions)
            known.update(zip(missing, fresh, strict=True))
        vectors = (
            np.stack([known[tag] for tag in tags])
            if tags
            else np.zeros((0, embedder.dimensions), dtype=np.float32)
        )
        return Vocabulary(model, tags, [n for _, n in used], vectors, self.clock())


def similar_tags(
    session: Session,
    embedder: TextEmbedder,
    vocabularies: TagVocabularies,
    keywords: Sequence[str],
    skip: Set[str],
) -> dict[str, tuple[str, float, int]]:
    """Keyword -> (tag in use, cosine, post count) for the keywords with a tag in use at
    least ``embedder.tag_similarity`` close (tags in ``skip`` left out)."""
    if not keywords:
        return {}
    vocabulary = vocabularies.get(session, embedder)
    if not vocabulary.tags:
        return {}
    vectors = as_matrix(embedder.embed(list(keywords)), embedder.dimensions)
    found = {}
    for keyword, match in zip(keywords, vocabulary.nearest(vectors, skip), strict=True):
        if match is not None and match[1] >= embedder.tag_similarity:
            found[keyword] = match
    return found
