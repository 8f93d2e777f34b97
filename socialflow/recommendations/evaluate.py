"""Offline evaluation: replay a held-out window of the logs through each ranker.

For every viewer with impressions in the held-out window, the candidates are
the posts they were shown there and the relevant ones those they then
watched, liked or shared. Each ranker orders the candidates with features
known at the window's start (nothing from the window leaks in); the report
gives NDCG@k, recall@k and coverage (the share of all candidates that reach
some viewer's top k) per ranker. A trainable ranker is first fitted on the
logs before the window. :func:`arm_report` reads per-arm metrics of an A/B
test straight from the logs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from socialflow.core.db.sqlutil import DB
from socialflow.plugins.learning import TrainableRanker
from socialflow.plugins.protocols import FeedCandidate, FeedContext, Ranker
from socialflow.recommendations import features, training
from socialflow.recommendations.models import POSITIVE, SHOWN, RecEvent

EVENTS = RecEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RankerScore:
    ranker: str
    ndcg: float
    recall: float
    coverage: float
    viewers: int


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    gain = sum(1 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def replay(
    session: DB,
    rankers: dict[str, Ranker],
    *,
    start: datetime,
    split: datetime,
    end: datetime,
    k: int,
) -> list[RankerScore]:
    """Fit trainable rankers on ``[start, split)``, replay ``[split, end)``; best first."""
    examples = None
    for ranker in rankers.values():
        if isinstance(ranker, TrainableRanker):
            if examples is None:
                examples = training.rank_examples(session, start, split)
            ranker.fit(examples)
    shown, positive = training.window_events(session, split, end)
    by_viewer: dict[int, set[int]] = defaultdict(set)
    for (viewer, _), rows in shown.items():
        by_viewer[viewer].update(p for p, _ in rows)
    posts = training.candidates_of(session, {p for ids in by_viewer.values() for p in ids})
    cases: list[tuple[list[FeedCandidate], FeedContext, set[str]]] = []
    for viewer, ids in sorted(by_viewer.items()):
        relevant = {str(p) for p in ids if (viewer, p) in positive}
        if not relevant:
            continue
        # A copy per viewer: the features are the viewer's own.
        candidates = [replace(posts[p], features={}) for p in sorted(ids) if p in posts]
        features.fill(session, candidates, viewer, split)
        context = FeedContext(feed="home", viewer_id=str(viewer), now=split)
        cases.append((candidates, context, relevant))
    everything = {c.post_id for candidates, _, _ in cases for c in candidates}
    scores = []
    for name, ranker in rankers.items():
        ndcg = recall = 0.0
        reached: set[str] = set()
        for candidates, context, relevant in cases:
            order = [c.post_id for c in ranker.rank(list(candidates), context)]
            ndcg += ndcg_at(order, relevant, k)
            recall += recall_at(order, relevant, k)
            reached.update(order[:k])
        n = max(1, len(cases))
        coverage = len(reached) / len(everything) if everything else 0.0
        scores.append(RankerScore(name, ndcg / n, recall / n, coverage, len(cases)))
    return sorted(scores, key=lambda s: (-s.ndcg, s.ranker))


def plot(scores: Sequence[RankerScore], k: int, path: Path) -> Path:
    """A grouped bar chart of the three metrics per ranker, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = (("ndcg", f"NDCG@{k}"), ("recall", f"recall@{k}"), ("coverage", "coverage"))
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(scores))
    for i, score in enumerate(scores):
        values = [getattr(score, attr) for attr, _ in metrics]
        ax.bar([m + i * width for m in range(len(metrics))], values, width, label=score.ranker)
    ax.set_xticks([m + width * (len(scores) - 1) / 2 for m in range(len(metrics))])
    ax.set_xticklabels([label for _, label in metrics])
    ax.set_ylim(0, 1)
    ax.set_title("Rankers on the held-out window")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def arm_report(session: DB, since: datetime) -> dict[str, dict[str, float]]:
    """Per ranker (A/B arm): impressions, engaged impressions and their rate, from the logs."""
    shown: dict[str, int] = defaultdict(int)
    pairs: dict[str, set[tuple[int, int]]] = defaultdict(set)
    statement = select(EVENTS.c.ranker, EVENTS.c.user_id, EVENTS.c.post_id, func.count()).where(
        EVENTS.c.at >= since, EVENTS.c.kind == SHOWN, EVENTS.c.ranker.is_not(None)
    )
    for ranker, user_id, post_id, n in session.execute(
        statement.group_by(EVENTS.c.ranker, EVENTS.c.user_id, EVENTS.c.post_id)
    ):
        shown[ranker] += int(n)
        pairs[ranker].add((user_id, post_id))
    engaged = {
        (u, p)
        for u, p in session.execute(
            select(EVENTS.c.user_id, EVENTS.c.post_id).where(
                EVENTS.c.at >= since, EVENTS.c.kind.in_(POSITIVE)
            )
        )
    }
    report = {}
    for ranker, n in sorted(shown.items()):
        hits = len(pairs[ranker] & engaged)
        report[ranker] = {
            "impressions": float(n),
            "engaged": float(hits),
            "engagement_rate": hits / len(pairs[ranker]) if pairs[ranker] else 0.0,
        }
    return report
