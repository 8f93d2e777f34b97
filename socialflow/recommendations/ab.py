"""A/B tests of rankers: the ``ab`` ranker and arm assignment by a hash of the viewer.

``ranker = "ab"`` with ``ab_arms = ["engagement", "personalized"]`` ranks
each viewer's feeds with one arm, always the same for a viewer (a SHA-256 of
the salt and the viewer's id), so pages stay stable. Anonymous readers get
the first arm. Impressions are logged under the arm's name, so per-arm
metrics come straight from the logs (:func:`socialflow.recommendations.evaluate.arm_report`).
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from socialflow.plugins.protocols import FeedCandidate, FeedContext, Ranker

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

NAME = "ab"
# Running platforms by their settings object: a ranker factory gets only the
# settings, and the ``ab`` ranker must reach its platform's other rankers.
PLATFORMS: weakref.WeakValueDictionary[int, Platform] = weakref.WeakValueDictionary()


def remember(platform: Platform) -> None:
    """Let ``ab`` rankers built from this platform's settings find it (at platform start)."""
    PLATFORMS[id(platform.settings)] = platform


def assign(viewer_id: str | int | None, arms: Sequence[str], salt: str) -> str:
    """The arm of ``viewer_id`` among ``arms`` (stable for the same salt)."""
    if not arms:
        raise ValueError("ab_arms is empty: name the rankers to compare")
    if viewer_id is None:
        return arms[0]
    digest = hashlib.sha256(f"{salt}:{viewer_id}".encode()).digest()
    return arms[int.from_bytes(digest[:8], "big") % len(arms)]


class ABRanker:
    """Delegates each viewer's ranking to their arm's ranker."""

    name = NAME
    lookahead = 10

    def __init__(self, arms: Sequence[str], salt: str, settings: Any) -> None:
        self.arms = tuple(arms)
        self.salt = salt
        self._settings_id = id(settings)

    def arm(self, viewer_id: str | int | None) -> str:
        return assign(viewer_id, self.arms, self.salt)

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        platform = PLATFORMS.get(self._settings_id)
        if platform is None:
            raise RuntimeError("the ab ranker's platform is not running")
        ranker: Ranker = platform.provider("ranker", self.arm(context.viewer_id))
        return ranker.rank(candidates, context)
