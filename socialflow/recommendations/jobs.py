"""The app's jobs, shared by the Celery tasks and the CLI: prune, train, evaluate.

Commits: each job is its own transaction (a task or a command owns it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from socialflow.core.errors import ValidationProblem
from socialflow.core.platform import Platform
from socialflow.plugins.learning import TrainableRanker
from socialflow.recommendations import evaluate, logbook, training, viral
from socialflow.recommendations.models_registry import models
from socialflow.recommendations.settings import recommendation_settings


def prune(platform: Platform, today: datetime | None = None) -> int:
    """Drop log days past ``retention_days``.

    Commits: one delete of whole days."""
    config = recommendation_settings(platform)
    platform.get(logbook.LogBuffer).flush()
    with platform.session() as session:
        removed = logbook.prune(session, retention_days=config.retention_days, today=today)
        session.commit()
    return removed


def train_ranker(platform: Platform, name: str, days: int) -> dict[str, float]:
    """Fit the trainable ranker ``name`` on the last ``days`` of logs."""
    ranker = platform.provider("ranker", name)
    if not isinstance(ranker, TrainableRanker):
        raise ValidationProblem(f"Ranker {name!r} does not learn (it has no fit method).")
    platform.get(logbook.LogBuffer).flush()
    end = datetime.now(UTC) + timedelta(seconds=1)
    with platform.session(read_only=True) as session:
        examples = training.rank_examples(session, end - timedelta(days=days), end)
    if not examples:
        raise ValidationProblem("No logged impressions to learn from in that window.")
    return ranker.fit(examples)


def train_recommender(platform: Platform, days: int | None = None) -> dict[str, Any]:
    """Fit the installed recommender on the logs kept (``None``: no recommender, nothing done)."""
    recommender = models(platform).recommender
    if recommender is None:
        return {"recommender": None}
    platform.get(logbook.LogBuffer).flush()
    days = days or recommendation_settings(platform).retention_days
    with platform.session(read_only=True) as session:
        data = training.recommender_data(session, datetime.now(UTC) - timedelta(days=days))
    metrics: dict[str, Any] = dict(recommender.fit(data))
    metrics["recommender"] = recommender.name
    return metrics


def train_viral(platform: Platform, start: datetime, end: datetime) -> dict[str, float]:
    """Fit the viral model on posts created in ``[start, end)`` (each at least 24 h old)."""
    model = models(platform).viral
    if model is None:
        raise ValidationProblem("No viral model is installed (the heuristic needs no training).")
    hours = recommendation_settings(platform).viral_hours
    with platform.session(read_only=True) as session:
        posts = viral.post_ids_between(session, start, end)
        examples = viral.examples(session, posts, hours)
    return model.fit(examples)


def evaluate_viral(
    platform: Platform, start: datetime, split: datetime, end: datetime
) -> dict[str, dict[str, float]]:
    """Train on posts of ``[start, split)``, score the posts of ``[split, end)``: the model
    (if installed) beside the heuristic."""
    config = recommendation_settings(platform)
    model = models(platform).viral
    with platform.session(read_only=True) as session:
        train = viral.examples(
            session, viral.post_ids_between(session, start, split), config.viral_hours
        )
        held = viral.examples(
            session, viral.post_ids_between(session, split, end), config.viral_hours
        )
    labels = [e.label for e in held]
    rows = [e.features for e in held]
    report = {
        "heuristic": viral.scores(
            [viral.heuristic(r, config.viral_hours) for r in rows], labels, config.viral_threshold
        )
    }
    if model is not None and train:
        model.fit(train)
        probabilities, source = viral.predict(model, rows, config.viral_hours)
        report[source] = viral.scores(probabilities, labels, config.viral_threshold)
    return report


def evaluate_rankers(
    platform: Platform,
    names: list[str],
    *,
    start: datetime,
    split: datetime,
    end: datetime,
    k: int,
) -> list[evaluate.RankerScore]:
    """Replay ``[split, end)`` through the rankers ``names`` (learning ones fitted on
    ``[start, split)``); best NDCG first."""
    rankers = {name: platform.provider("ranker", name) for name in names}
    platform.get(logbook.LogBuffer).flush()
    with platform.session(read_only=True) as session:
        return evaluate.replay(session, rankers, start=start, split=split, end=end, k=k)
