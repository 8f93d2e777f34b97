"""A tiny deterministic text embedder, registered as an in-process plugin (``fake``).

A text's vector is the normalised sum of its known words' vectors (unknown
words count for nothing; a text of none is the zero vector). ``bicycle`` and
``cycling`` are 0.8 apart, ``bicycle`` and ``velo`` 0.5, ``knitting`` is
unrelated to all three.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from socialflow.plugins.specs import hookimpl

WORDS = {
    "bicycle": (1.0, 0.0, 0.0, 0.0),
    "cycling": (0.8, 0.6, 0.0, 0.0),
    "velo": (0.5, math.sqrt(0.75), 0.0, 0.0),
    "knitting": (0.0, 0.0, 1.0, 0.0),
}


class FakeEmbedder:
    name = "fake"
    version = "1"
    dimensions = 4

    def __init__(self) -> None:
        self.tag_similarity = 0.6
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            vector = [0.0] * self.dimensions
            for word in re.findall(r"\w+", text.lower()):
                for i, value in enumerate(WORDS.get(word, (0.0,) * self.dimensions)):
                    vector[i] += value
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            rows.append([v / norm for v in vector])
        return rows


@hookimpl
def socialflow_text_embedders() -> dict[str, Any]:
    return {"fake": lambda settings: FakeEmbedder()}
