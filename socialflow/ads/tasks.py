"""The ads batch (Celery beat, every ``batch_interval`` seconds): counted spend and
creators' shares into the ledger, finished campaigns ended, lost top-up answers asked again."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of

BATCH_TASK = "socialflow.ads.spend_batch"


@shared_task(name=BATCH_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def spend_batch(self: Any) -> dict[str, Any]:
    from socialflow.ads import batches, topups

    platform = platform_of(self.app)
    with platform.session() as session:
        report = batches.run(session)
        session.commit()
    result = asdict(report)
    if platform.settings.payments is not None:
        result["topups_settled"] = topups.retry_pending(
            platform, platform.provider("payments"), timedelta(minutes=1)
        )
    return result
