"""The ``als`` recommender: implicit-feedback ALS (the ``implicit`` package) and content similarity.

Three models, trained together by :meth:`AlsRecommender.fit` (the
recommendations app's periodic task):

* viewer x post ALS on the logged interactions -> "for you";
* viewer x account ALS on follows plus engagement summed per author ->
  "who to follow";
* all-MiniLM-L6-v2 embeddings of the posts' text (TF-IDF without the model)
  -> "more like this" (:mod:`socialflow_ml.content`).

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

from socialflow_ml import content
from socialflow_ml.settings import MlSettings
from socialflow_ml.store import ModelStore
from socialflow_ml.topk import top

ITEMS, USERS = "als-items", "als-users"
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


class AlsRecommender:
    """See the module doc."""

    name = "als"

    def __init__(self, store: ModelStore, config: MlSettings) -> None:
        self.store = store
        self.config = config

    def fit(self, data: RecommenderData) -> dict[str, float]:
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
            metrics.update(content.fit(self.store, self.config, data.item_texts))
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
        return top(scores, model["items"], limit, exclude | {user_id})

    def similar(self, item_id: str, limit: int) -> list[tuple[str, float]]:
        return content.similar(self.store, self.config, item_id, limit)[1]
