"""Recommendations tasks: prune old log days, train the recommender (both on beat).

Both are idempotent: pruning deletes by day, training replaces the model.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of
from socialflow.recommendations import jobs

PRUNE_TASK = "socialflow.recommendations.prune"
TRAIN_TASK = "socialflow.recommendations.train"


@shared_task(name=PRUNE_TASK, bind=True)  # type: ignore[untyped-decorator]
def prune_task(self: Any) -> dict[str, int]:
    """Delete log days past ``retention_days``."""
    return {"deleted": jobs.prune(platform_of(self.app))}


@shared_task(name=TRAIN_TASK, bind=True)  # type: ignore[untyped-decorator]
def train_task(self: Any) -> dict[str, Any]:
    """Fit the installed recommender (ALS in socialflow-ml) on the logs."""
    return jobs.train_recommender(platform_of(self.app))
