"""The best ``limit`` ids by score, ties broken by id, skipping some (a partial sort)."""

from __future__ import annotations

from collections.abc import Set

import numpy as np


def top(
    scores: np.ndarray, ids: np.ndarray, limit: int, exclude: Set[str]
) -> list[tuple[str, float]]:
    want = min(len(scores), limit + len(exclude))
    if want <= 0:
        return []
    best = np.argpartition(-scores, want - 1)[:want]
    best = best[np.lexsort((ids[best], -scores[best]))]
    found = [(str(ids[i]), float(scores[i])) for i in best if str(ids[i]) not in exclude]
    return found[:limit]
