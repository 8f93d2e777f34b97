"""Built-in rankers: ``chronological`` and ``engagement``.

A ranker orders one page's candidate pool (see ``socialflow.feeds.pages``:
the pool is the page plus ``lookahead`` extra candidates, and whatever is not
shown carries over to the next page, so a ranker can reorder freely without
breaking pagination). Both are deterministic for the same input.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import FeedCandidate, FeedContext
from socialflow.plugins.specs import hookimpl


def id_order(post_id: str) -> tuple[int, int | str]:
    """Tie-break key: numeric ids by value (so "10" follows "9"), any other id as text."""
    return (0, int(post_id)) if post_id.isdigit() else (1, post_id)


class ChronologicalRanker:
    """Newest first, ties broken by id for stable pages."""

    name = "chronological"
    # Pure keyset paging: nothing to look ahead for.
    lookahead = 0

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        return sorted(candidates, key=lambda c: (c.created_at, id_order(c.post_id)), reverse=True)


class EngagementRanker:
    """Time-decayed engagement with author diversity.

    ``score = (1 + log1p(likes + 2*comments + 3*shares + views/20)) / (age_hours + 2) ** gravity``
    (Hacker News style gravity: engagement lifts a post, age pulls it down).
    Then a greedy pass picks the best remaining candidate with each author's
    score multiplied by ``diversity ** (posts of that author already picked)``,
    so one prolific author cannot fill a page while others are waiting.
    """

    name = "engagement"
    lookahead = 10

    def __init__(self, gravity: float = 1.5, diversity: float = 0.5) -> None:
        self.gravity = gravity
        self.diversity = diversity

    def score(self, candidate: FeedCandidate, context: FeedContext) -> float:
        engagement = (
            candidate.like_count
            + 2 * candidate.comment_count
            + 3 * candidate.share_count
            + candidate.view_count / 20
        )
        age_hours = max(0.0, (context.now - candidate.created_at).total_seconds() / 3600)
        return float((1 + math.log1p(engagement)) / (age_hours + 2) ** self.gravity)

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        scored = sorted(
            ((self.score(c, context), id_order(c.post_id), c) for c in candidates),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        picked: list[FeedCandidate] = []
        seen: Counter[str] = Counter()
        remaining = scored
        while remaining:
            best_index = max(
                range(len(remaining)),
                key=lambda i: (
                    remaining[i][0] * self.diversity ** seen[remaining[i][2].author_id],
                    remaining[i][1],
                ),
            )
            _, _, chosen = remaining.pop(best_index)
            seen[chosen.author_id] += 1
            picked.append(chosen)
        return picked


def make_chronological(settings: Settings) -> ChronologicalRanker:
    return ChronologicalRanker()


def make_engagement(settings: Settings) -> EngagementRanker:
    return EngagementRanker()


@hookimpl
def socialflow_rankers() -> dict[str, object]:
    return {"chronological": make_chronological, "engagement": make_engagement}
