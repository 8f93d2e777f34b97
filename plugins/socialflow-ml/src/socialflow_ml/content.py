""" "More like this" from sentence embeddings, with TF-IDF when the model is not installed.

:func:`fit` runs in the recommendations app's training task: every item's
text (a post's text with its hashtags, and the title and description of the
video it carries) becomes a unit-length all-MiniLM-L6-v2 vector. Vectors are
kept with a digest of the text they came from, so a retraining embeds only
new and edited items. :func:`similar` answers with one matrix-vector
product (cosine, since rows are unit length) and a partial sort.

Without the model package the TF-IDF vectors of the same texts are used, as
before; both bundles are plain ``.npz`` arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from socialflow_ml.embedder import DIMENSIONS, Embedder, embedder_for
from socialflow_ml.settings import MlSettings
from socialflow_ml.store import ModelStore
from socialflow_ml.topk import top

TFIDF, EMBEDDINGS = "content", "content-embeddings"


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def embed_items(
    embedder: Embedder, texts: Mapping[str, str], previous: dict[str, Any] | None
) -> dict[str, Any]:
    """Vectors for ``texts`` (id -> text), reusing those of ``previous`` whose text is unchanged."""
    ids = sorted(texts)
    digests = np.array([_digest(texts[i]) for i in ids], dtype="S16")
    vectors = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
    known: dict[bytes, int] = {}
    if previous is not None:
        known = {bytes(d): n for n, d in enumerate(previous["digests"])}
    missing = []
    for n, digest in enumerate(digests):
        at = known.get(bytes(digest))
        if at is None:
            missing.append(n)
        elif previous is not None:
            vectors[n] = previous["vectors"][at]
    if missing:
        vectors[missing] = embedder.embed([texts[ids[n]] for n in missing])
    return {
        "items": np.array(ids),
        "digests": digests,
        "vectors": vectors,
        "embedded": len(missing),
    }


def fit(store: ModelStore, config: MlSettings, texts: Mapping[str, str]) -> dict[str, float]:
    """Train the content model on ``texts``; returns metrics."""
    embedder = embedder_for(config.onnx_dir()) if config.embeddings else None
    if embedder is not None:
        bundle = embed_items(embedder, texts, store.load(EMBEDDINGS))
        embedded = bundle.pop("embedded")
        store.save(EMBEDDINGS, bundle)
        return {"items_with_text": float(len(texts)), "items_embedded": float(embedded)}
    store.remove(EMBEDDINGS)  # vectors of a model no longer installed would go stale
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = sorted(texts)
    vectorizer = TfidfVectorizer(max_features=config.max_features, sublinear_tf=True)
    vectors = vectorizer.fit_transform([texts[i] for i in ids]).tocsr()
    store.save(
        TFIDF,
        {
            "items": np.array(ids),
            "data": vectors.data,
            "indices": vectors.indices,
            "indptr": vectors.indptr,
            "shape": np.array(vectors.shape),
        },
    )
    return {"items_with_text": float(len(ids))}


def similar(
    store: ModelStore, config: MlSettings, item_id: str, limit: int
) -> tuple[str, list[tuple[str, float]]]:
    """(which model answered, the nearest items by cosine, best first)."""
    model = store.load(EMBEDDINGS) if config.embeddings else None
    if model is not None:
        where = np.flatnonzero(model["items"] == item_id)
        if len(where):
            vectors = model["vectors"]
            scores = vectors @ vectors[where[0]]
            scores[where[0]] = -np.inf
            found = top(scores, model["items"], limit, {item_id})
            return EMBEDDINGS, [(i, s) for i, s in found if s >= config.min_similarity]
    model = store.load(TFIDF)
    if model is None:
        return TFIDF, []
    where = np.flatnonzero(model["items"] == item_id)
    if not len(where):
        return TFIDF, []
    matrix = sparse.csr_matrix(
        (model["data"], model["indices"], model["indptr"]), shape=tuple(model["shape"])
    )
    scores = np.asarray((matrix @ matrix[where[0]].T).todense()).ravel()
    scores[where[0]] = -np.inf
    found = top(scores, model["items"], limit, {item_id})
    return TFIDF, [(i, s) for i, s in found if s > 0]
