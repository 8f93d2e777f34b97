"""Viral prediction: will a post trend within 24 hours, judged from its first hour.

Features are a post's engagement in its first ``viral_hours`` (likes,
comments, shares, counted from their own timestamps so they can be computed
for any past post) and its author's audience. The label for training and
evaluation is whether the post's 24-hour weighted engagement (the trending
weights: like 1, comment 2, share 3) was in the top ``TOP_FRACTION`` of the
posts considered and at least ``TREND_FLOOR``. A model from ``socialflow_viral_models`` learns the
mapping; without one (or untrained) :func:`heuristic` answers, and
:func:`explain` says which early signals carried the prediction, for admins
and for "why this is trending".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from socialflow.accounts.models import User
from socialflow.core.db.sqlutil import DB
from socialflow.plugins.learning import ViralExample, ViralModel
from socialflow.social.models import Comment, Post, PostLike, Share
from socialflow.social.trending import POST_WEIGHTS

POSTS = Post.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
SOURCES = {
    "like": PostLike.__table__,  # type: ignore[attr-defined]
    "comment": Comment.__table__,  # type: ignore[attr-defined]
    "share": Share.__table__,  # type: ignore[attr-defined]
}
FEATURES = ("early_likes", "early_comments", "early_shares", "author_followers")
TOP_FRACTION = 0.1
# A post must reach this weighted 24-hour engagement to count as trending at all
# (among few or quiet posts, the top tenth may be nothing special).
TREND_FLOOR = 20
# The heuristic: weighted early engagement per hour against a fixed bar.
HEURISTIC_BAR = 8.0


def _counts(
    session: DB, post_ids: Sequence[int], hours: float | None, created: Mapping[int, datetime]
) -> dict[str, dict[int, int]]:
    """Likes, comments and shares of each post, within ``hours`` of its creation
    (``None``: within 24 hours)."""
    span = timedelta(hours=24 if hours is None else hours)
    out: dict[str, dict[int, int]] = {}
    for kind, table in SOURCES.items():
        counted: dict[int, int] = defaultdict(int)
        statement = select(table.c.post_id, table.c.created_at).where(table.c.post_id.in_(post_ids))
        for post_id, at in session.execute(statement):
            start = created.get(int(post_id))
            if start is not None and at is not None and at - start <= span:
                counted[int(post_id)] += 1
        out[kind] = counted
    return out


def _posts(session: DB, post_ids: Sequence[int]) -> dict[int, tuple[datetime, int]]:
    statement = (
        select(POSTS.c.id, POSTS.c.created_at, USERS.c.follower_count)
        .select_from(POSTS.join(USERS, USERS.c.id == POSTS.c.author_id))
        .where(POSTS.c.id.in_(post_ids))
    )
    return {int(i): (at, int(f or 0)) for i, at, f in session.execute(statement)}


def early_features(
    session: DB, post_ids: Sequence[int], hours: float
) -> dict[int, dict[str, float]]:
    """Each post's early-engagement features (log-scaled)."""
    posts = _posts(session, post_ids)
    created = {i: at for i, (at, _) in posts.items()}
    counts = _counts(session, list(posts), hours, created)
    return {
        i: {
            "early_likes": math.log1p(counts["like"].get(i, 0)),
            "early_comments": math.log1p(counts["comment"].get(i, 0)),
            "early_shares": math.log1p(counts["share"].get(i, 0)),
            "author_followers": math.log1p(followers),
        }
        for i, (_, followers) in posts.items()
    }


def trended(session: DB, post_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each post's 24-hour weighted engagement was in the top ``TOP_FRACTION``
    (and at least ``TREND_FLOOR``)."""
    posts = _posts(session, post_ids)
    created = {i: at for i, (at, _) in posts.items()}
    counts = _counts(session, list(posts), None, created)
    score = {i: sum(POST_WEIGHTS[kind] * counts[kind].get(i, 0) for kind in SOURCES) for i in posts}
    ranked = sorted(score.values(), reverse=True)
    if not ranked:
        return {}
    bar = max(ranked[max(0, math.ceil(len(ranked) * TOP_FRACTION) - 1)], TREND_FLOOR)
    return {i: s >= bar for i, s in score.items()}


def heuristic(row: Mapping[str, float], hours: float = 1.0) -> float:
    """A probability from weighted early engagement per hour (no model needed)."""
    weighted = (
        math.expm1(row.get("early_likes", 0.0)) * POST_WEIGHTS["like"]
        + math.expm1(row.get("early_comments", 0.0)) * POST_WEIGHTS["comment"]
        + math.expm1(row.get("early_shares", 0.0)) * POST_WEIGHTS["share"]
    ) / hours
    return 1 / (1 + math.exp(-(weighted - HEURISTIC_BAR) / 2))


def heuristic_reasons(row: Mapping[str, float]) -> list[tuple[str, float]]:
    parts = [(name, math.expm1(row.get(name, 0.0))) for name in FEATURES]
    return sorted(parts, key=lambda item: -item[1])


def predict(
    model: ViralModel | None, rows: Sequence[Mapping[str, float]], hours: float
) -> tuple[list[float], str]:
    """Probabilities for ``rows`` and who gave them (the model's name or ``heuristic``)."""
    if model is not None and rows:
        answer = model.predict(rows)
        if answer is not None:
            return answer, model.name
    return [heuristic(row, hours) for row in rows], "heuristic"


def explain(
    model: ViralModel | None, row: Mapping[str, float], source: str
) -> list[dict[str, Any]]:
    """The signals behind one prediction, strongest first."""
    parts = model.explain(row) if model is not None and source == model.name else []
    if not parts:
        parts = heuristic_reasons(row)
    return [
        {
            "signal": name,
            "weight": round(weight, 4),
            "value": round(math.expm1(row.get(name, 0)), 2),
        }
        for name, weight in parts
    ]


def examples(session: DB, post_ids: Sequence[int], hours: float) -> list[ViralExample]:
    """Training or evaluation examples for posts at least 24 hours old."""
    rows = early_features(session, post_ids, hours)
    labels = trended(session, post_ids)
    return [ViralExample(str(i), rows[i], labels.get(i, False)) for i in sorted(rows)]


def scores(
    probabilities: Sequence[float], labels: Sequence[bool], threshold: float
) -> dict[str, float]:
    """Precision, recall and accuracy at ``threshold``."""
    flagged = [p >= threshold for p in probabilities]
    hits = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y)
    precision = hits / max(1, sum(flagged))
    recall = hits / max(1, sum(labels))
    accuracy = sum(1 for f, y in zip(flagged, labels, strict=True) if f == y) / max(1, len(labels))
    return {"precision": precision, "recall": recall, "accuracy": accuracy, "posts": len(labels)}


def post_ids_between(session: DB, start: datetime, end: datetime) -> list[int]:
    statement = (
        select(POSTS.c.id)
        .where(POSTS.c.created_at >= start, POSTS.c.created_at < end, POSTS.c.deleted_at.is_(None))
        .order_by(POSTS.c.id)
    )
    return [int(i) for (i,) in session.execute(statement)]


def newest_post_time(session: DB) -> datetime | None:
    return session.execute(select(func.max(POSTS.c.created_at))).scalar()
