"""The ranker conformance suite: what every :class:`~socialflow.plugins.protocols.Ranker` must do.

Subclass :class:`RankerConformance` and provide the ``ranker`` fixture. The
suite checks the contract feeds rely on: the result is a permutation or a
subset of the candidates (no invented or duplicated posts), the same input
gives the same order (so cursor pagination stays stable), the input is not
modified, and every feed kind and an anonymous viewer are accepted.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest

from socialflow.plugins.protocols import FeedCandidate, FeedContext, Ranker

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_candidates(count: int = 40, *, seed: int = 1) -> list[FeedCandidate]:
    """Varied candidates: ages, authors and engagement all differ; some ties on time."""
    rng = random.Random(seed)
    candidates = []
    for index in range(count):
        candidates.append(
            FeedCandidate(
                post_id=f"post-{index:03d}",
                author_id=f"author-{index % 7}",
                created_at=NOW - timedelta(minutes=rng.randint(0, 600) // 10 * 10),
                like_count=rng.randint(0, 500),
                comment_count=rng.randint(0, 80),
                share_count=rng.randint(0, 30),
                view_count=rng.randint(0, 10_000),
            )
        )
    return candidates


class RankerConformance:
    """Behaviour every ranker must show. Subclass and give ``ranker``."""

    @pytest.fixture
    def ranker(self) -> Ranker:
        """Override: return the ranker under test."""
        pytest.fail(f"{type(self).__name__} must define a `ranker` fixture")

    @pytest.fixture
    def context(self) -> FeedContext:
        return FeedContext(feed="home", viewer_id="viewer-1", now=NOW)

    def test_has_a_name(self, ranker: Ranker) -> None:
        assert isinstance(ranker.name, str)
        assert ranker.name

    def test_returns_a_permutation_or_subset(self, ranker: Ranker, context: FeedContext) -> None:
        candidates = make_candidates()
        ranked = ranker.rank(candidates, context)
        assert isinstance(ranked, list)
        ids = [c.post_id for c in ranked]
        assert len(ids) == len(set(ids)), "a post may appear only once"
        assert set(ids) <= {c.post_id for c in candidates}, "a ranker may not invent posts"
        assert all(isinstance(c, FeedCandidate) for c in ranked)

    def test_is_deterministic(self, ranker: Ranker, context: FeedContext) -> None:
        candidates = make_candidates()
        first = [c.post_id for c in ranker.rank(candidates, context)]
        again = [c.post_id for c in ranker.rank(make_candidates(), context)]
        assert first == again

    def test_order_of_input_does_not_matter(self, ranker: Ranker, context: FeedContext) -> None:
        candidates = make_candidates()
        shuffled = candidates[:]
        random.Random(99).shuffle(shuffled)
        assert [c.post_id for c in ranker.rank(candidates, context)] == [
            c.post_id for c in ranker.rank(shuffled, context)
        ], "ties must be broken by something stable (the post id), not input order"

    def test_does_not_modify_its_input(self, ranker: Ranker, context: FeedContext) -> None:
        candidates = make_candidates()
        before = copy.deepcopy(candidates)
        ranker.rank(candidates, context)
        assert candidates == before

    def test_empty_and_single(self, ranker: Ranker, context: FeedContext) -> None:
        assert ranker.rank([], context) == []
        one = make_candidates(1)
        assert [c.post_id for c in ranker.rank(one, context)] == [one[0].post_id]

    @pytest.mark.parametrize("feed", ["home", "explore", "hashtag", "profile"])
    def test_every_feed_and_anonymous_viewers(self, ranker: Ranker, feed: str) -> None:
        context = FeedContext(feed=feed, viewer_id=None, now=NOW)  # type: ignore[arg-type]
        ranked = ranker.rank(make_candidates(10), context)
        assert {c.post_id for c in ranked} <= {c.post_id for c in make_candidates(10)}
