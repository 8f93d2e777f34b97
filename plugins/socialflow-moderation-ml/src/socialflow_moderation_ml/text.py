"""Text checks: the operator's word lists and patterns, then alt-profanity-check.

alt-profanity-check is a linear SVM over character and word n-grams whose
fitted model ships inside its wheel (loaded once, at first use); it scores
43k texts a second batched, so it runs inline at submit time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from socialflow_moderation_ml.settings import ModerationMlSettings

_lock = threading.Lock()
_predict: Any = None


def profanity_scores(texts: Sequence[str]) -> list[float]:
    """The probability that each text is offensive, from the model in the wheel."""
    global _predict
    if _predict is None:
        with _lock:
            if _predict is None:
                from profanity_check import predict_prob

                _predict = predict_prob
    return [float(p) for p in _predict(list(texts))]


def _words(words: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = [w.strip() for w in words if w.strip()]
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(cleaned, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class TextRules:
    """The operator's lists: a match rejects (``reject_*``) or holds (``hold_*``)."""

    def __init__(self, config: ModerationMlSettings) -> None:
        self.reject = [p for p in [_words(config.reject_words)] if p] + [
            re.compile(p, re.IGNORECASE) for p in config.reject_patterns
        ]
        self.hold = [p for p in [_words(config.hold_words)] if p] + [
            re.compile(p, re.IGNORECASE) for p in config.hold_patterns
        ]

    @staticmethod
    def _first(patterns: list[re.Pattern[str]], text: str) -> str | None:
        for pattern in patterns:
            found = pattern.search(text)
            if found:
                return found.group(0)
        return None

    def rejected_by(self, text: str) -> str | None:
        return self._first(self.reject, text)

    def held_by(self, text: str) -> str | None:
        return self._first(self.hold, text)
