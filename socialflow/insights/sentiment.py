"""Comment sentiment for creators: VADER's compound score per comment, bucketed.

VADER is a lexicon and rules tuned to social media text (emoji, caps,
"!!!", negations); its lexicon ships inside the ``vaderSentiment`` wheel.
The usual cut-offs: compound >= 0.05 positive, <= -0.05 negative.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from socialflow.insights.extra import missing_extra

POSITIVE = 0.05
NEGATIVE = -0.05

_lock = threading.Lock()
_analyzer: Any = None


def analyzer() -> Any:
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                try:
                    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
                except ImportError as exc:
                    raise missing_extra("vaderSentiment") from exc

                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def compound(text: str) -> float:
    return float(analyzer().polarity_scores(text)["compound"])


def label(score: float) -> str:
    if score >= POSITIVE:
        return "positive"
    if score <= NEGATIVE:
        return "negative"
    return "neutral"


def distribution(texts: Iterable[str]) -> dict[str, Any]:
    """How many texts are positive, neutral and negative, their shares and mean score."""
    analyzer()  # unavailable (503) whether or not there are comments yet
    counts = {"positive": 0, "neutral": 0, "negative": 0}
    total = 0.0
    for text in texts:
        score = compound(text)
        counts[label(score)] += 1
        total += score
    analyzed = sum(counts.values())
    return {
        "analyzed": analyzed,
        **counts,
        "shares": {k: (round(v / analyzed, 4) if analyzed else 0.0) for k, v in counts.items()},
        "mean_compound": round(total / analyzed, 4) if analyzed else 0.0,
        "model": f"vader-{_version()}",
    }


def _version() -> str:
    try:
        return metadata.version("vaderSentiment")
    except metadata.PackageNotFoundError:
        return "?"
