"""The ``als`` recommender: implicit-feedback ALS (the ``implicit`` package) and content similarity.

Three models, trained together by :meth:`AlsRecommender.fit` (the
recommendations app's periodic task):

* viewer x post ALS on the logged interactions -> "for you";
* viewer x account ALS on follows plus engagement summed per author ->
  "who to follow";
* TF-IDF vectors of the posts' text (scikit-learn) -> "more like this".

Serving reads the saved factors and answers with one matrix-vector product
and a partial sort; ``implicit`` is needed only to train.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence, Set
from typing import Any

import numpy as np
from scipy import sparse
from socialflow.plugins.learning import RecommenderData, RecommendKind

from socialflow_ml.settings import MlSettings
from socialflow_ml.store import ModelStore

ITEMS, USERS, CONTENT = "als-items", "als-users", "content"
FOLLOW_WEIGHT = 4.0


def _als(rows: Sequence[tuple[str, str, float]], config: MlSettings) -> dict[str, Any] | None:
    """Fit ALS on (user, item, weight) triples; ``None`` when there is nothing to learn."""
    from implicit.cpu.als import AlternatingLeastSquares

    if not rows:
        return None
    users = sorted({u for u, _, _ in rows})
    items = sorted({i for _, i, _ in rows})
    ui, ii = {u: n for n, u in enumerate(users)}, {i: n for n, i in enumerate(items)}
    matrix = sparse.csr_matrix(
        (
            [w for _, _, w in rows],
            ([ui[u] for u, _, _ in rows], [ii[i] for _, i, _ in rows]),
        ),
        shape=(len(users), len(items)),
        dtype=np.float32,
    )
    model = AlternatingLeastSquares(
        factors=config.factors,
        iterations=config.iterations,
        regularization=config.regularization,
        random_state=7,
        num_threads=1,
    )
    model.fit(matrix, show_progress=False)
    return {
        "users": np.array(users),
        "items": np.array(items),
        "user_factors": np.asarray(model.user_factors),
        "item_factors": np.asarray(model.item_factors),
    }


def _top(
    scores: np.ndarray, ids: np.ndarray, limit: int, exclude: Set[str]
) -> list[tuple[str, float]]:
    want = min(len(scores), limit + len(exclude))
    if want <= 0:
        return []
    best = np.argpartition(-scores, want - 1)[:want]
    best = best[np.lexsort((ids[best], -scores[best]))]
    found = [(str(ids[i]), float(scores[i])) for i in best if str(ids[i]) not in exclude]
    return found[:limit]


class AlsRecommender:
    """See the module doc."""

    name = "als"

    def __init__(self, store: ModelStore, config: MlSettings) -> None:
        self.store = store
        self.config = config

    def fit(self, data: RecommenderData) -> dict[str, float]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        items = [(i.user_id, i.item_id, i.weight) for i in data.interactions]
        by_author: dict[tuple[str, str], float] = defaultdict(float)
        for user, item, weight in items:
            author = data.item_authors.get(item)
            if author is not None and author != user:
                by_author[(user, author)] += weight
        for follower, followee in data.follows:
            by_author[(follower, followee)] += FOLLOW_WEIGHT
        metrics = {"interactions": float(len(items)), "follows": float(len(data.follows))}
        for name, rows in ((ITEMS, items), (USERS, [(u, a, w) for (u, a), w in by_author.items()])):
            model = _als(rows, self.config)
            if model is not None:
                self.store.save(name, model)
        if data.item_texts:
            ids = sorted(data.item_texts)
            vectorizer = TfidfVectorizer(max_features=self.config.max_features, sublinear_tf=True)
            vectors = vectorizer.fit_transform([data.item_texts[i] for i in ids]).tocsr()
            self.store.save(
                CONTENT,
                {
                    "items": np.array(ids),
                    "data": vectors.data,
                    "indices": vectors.indices,
                    "indptr": vectors.indptr,
                    "shape": np.array(vectors.shape),
                },
            )
            metrics["items_with_text"] = float(len(ids))
        return metrics

    def recommend(
        self, kind: RecommendKind, user_id: str, limit: int, exclude: Set[str]
    ) -> list[tuple[str, float]]:
        model = self.store.load(ITEMS if kind == "items" else USERS)
        if model is None:
            return []
        where = np.flatnonzero(model["users"] == user_id)
        if not len(where):
            return []
        scores = model["item_factors"] @ model["user_factors"][where[0]]
        return _top(scores, model["items"], limit, exclude | {user_id})

    def similar(self, item_id: str, limit: int) -> list[tuple[str, float]]:
        model = self.store.load(CONTENT)
        if model is None:
            return []
        where = np.flatnonzero(model["items"] == item_id)
        if not len(where):
            return []
        vectors = sparse.csr_matrix(
            (model["data"], model["indices"], model["indptr"]), shape=tuple(model["shape"])
        )
        scores = np.asarray((vectors @ vectors[where[0]].T).todense()).ravel()
        scores[where[0]] = -np.inf
        found = _top(scores, model["items"], limit, {item_id})
        return [(i, s) for i, s in found if s > 0]
