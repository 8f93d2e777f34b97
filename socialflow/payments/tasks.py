"""The payments sweep (Celery beat, every ``sweep_interval`` seconds).

Renewals and dunning retries, charges/refunds/payouts whose answer was lost
(asked again with the same keys), pending earnings released, scheduled
payouts. Idempotent: every step is keyed, so a sweep killed half-way and run
again (or two sweeps at once) moves each amount once.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task

from socialflow.core.celery import platform_of

logger = logging.getLogger("socialflow.payments")
SWEEP_TASK = "socialflow.payments.sweep"


@shared_task(name=SWEEP_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> dict[str, Any]:
    from socialflow.payments import billing

    platform = platform_of(self.app)
    if platform.settings.payments is None:
        return {"skipped": "no payment provider configured"}
    report = billing.sweep(platform, platform.provider("payments"))
    return asdict(report)
