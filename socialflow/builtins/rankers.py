"""The ``chronological`` ranker: newest first, ties broken by id for stable pages."""

from __future__ import annotations

from collections.abc import Sequence

from socialflow.plugins.protocols import FeedCandidate, FeedContext
from socialflow.plugins.specs import hookimpl
from socialflow.settings import Settings


class ChronologicalRanker:
    name = "chronological"

    def rank(
        self, candidates: Sequence[FeedCandidate], context: FeedContext
    ) -> list[FeedCandidate]:
        return sorted(candidates, key=lambda c: (c.created_at, c.post_id), reverse=True)


def make_chronological(settings: Settings) -> ChronologicalRanker:
    return ChronologicalRanker()


@hookimpl
def socialflow_rankers() -> dict[str, object]:
    return {"chronological": make_chronological}
