"""The ``logistic`` viral model: early engagement -> probability of trending within 24 h."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from socialflow.plugins.learning import ViralExample

from socialflow_ml.store import ModelStore

MODEL = "viral"


class LogisticViralModel:
    """A balanced logistic regression on standardized early-engagement features."""

    name = "logistic"

    def __init__(self, store: ModelStore) -> None:
        self.store = store

    def fit(self, examples: Sequence[ViralExample]) -> dict[str, float]:
        from sklearn.linear_model import LogisticRegression

        if not examples:
            raise ValueError("no posts to learn from")
        names = sorted(examples[0].features)
        x = np.array([[e.features.get(n, 0.0) for n in names] for e in examples])
        y = np.array([1 if e.label else 0 for e in examples])
        if len(set(y.tolist())) < 2:
            raise ValueError("training needs posts that trended and posts that did not")
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(class_weight="balanced", max_iter=500).fit((x - mean) / scale, y)
        self.store.save(
            MODEL,
            {
                "names": np.array(names),
                "mean": mean,
                "scale": scale,
                "coef": model.coef_[0],
                "intercept": model.intercept_,
            },
        )
        return {"posts": float(len(y)), "trended": float(y.sum())}

    def _z(self, model: dict[str, np.ndarray], rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        names = [str(n) for n in model["names"]]
        x = np.array([[row.get(n, 0.0) for n in names] for row in rows])
        return np.asarray((x - model["mean"]) / model["scale"])

    def predict(self, rows: Sequence[Mapping[str, float]]) -> list[float] | None:
        model = self.store.load(MODEL)
        if model is None:
            return None
        logits = self._z(model, rows) @ model["coef"] + model["intercept"][0]
        return [float(p) for p in 1 / (1 + np.exp(-logits))]

    def explain(self, row: Mapping[str, float]) -> list[tuple[str, float]]:
        model = self.store.load(MODEL)
        if model is None:
            return []
        parts = self._z(model, [row])[0] * model["coef"]
        names = [str(n) for n in model["names"]]
        return sorted(zip(names, (float(p) for p in parts), strict=True), key=lambda kv: -kv[1])
