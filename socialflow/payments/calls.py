"""Outgoing provider calls: the idempotency key is committed before the call is made.

Every call that may move money goes through :func:`invoke`. It records the
call (key, operation, attempt count) in a transaction of its own and commits
it, then calls the provider with that key, then records the outcome. A
timeout (:class:`PaymentUnavailableError`) leaves the call ``unknown``: the
caller's object (charge, payout, refund) stays pending and is retried later
with the *same* key, so the provider moves the money once however many times
the call is made. Keys are derived from the object they pay for
(``charge:12``, ``payout:7``), never random.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform
from socialflow.payments.models import CALLS
from socialflow.plugins.protocols import (
    PaymentProvider,
    PaymentResult,
    PaymentUnavailableError,
)

logger = logging.getLogger("socialflow.payments")


def _record_attempt(
    platform: Platform, provider: PaymentProvider, key: str, operation: str
) -> None:
    """Record one more attempt of the call keyed ``key``.

    Commits: the key is durable before the provider sees it.
    """
    with platform.session() as session:
        found = session.execute(select(CALLS.c.id).where(CALLS.c.idempotency_key == key)).first()
        if found is None:
            try:
                session.execute(
                    CALLS.insert().values(
                        idempotency_key=key,
                        provider=provider.name,
                        operation=operation,
                        status="started",
                        attempts=1,
                        created_at=utcnow(),
                    )
                )
                session.commit()
                return
            except IntegrityError:  # the same call, started meanwhile elsewhere
                session.rollback()
        session.execute(
            update(CALLS)
            .where(CALLS.c.idempotency_key == key)
            .values(attempts=CALLS.c.attempts + 1, status="started")
        )
        session.commit()


def _record_outcome(
    platform: Platform, key: str, status: str, ref: str | None, error: str | None
) -> None:
    """Record what the provider answered (or that the answer was lost).

    Commits: the outcome stays recorded whatever the caller's transaction does next.
    """
    with platform.session() as session:
        session.execute(
            update(CALLS)
            .where(CALLS.c.idempotency_key == key)
            .values(status=status, provider_ref=ref, error=error, completed_at=utcnow())
        )
        session.commit()


def invoke(
    platform: Platform,
    provider: PaymentProvider,
    *,
    key: str,
    operation: str,
    call: Callable[[str], PaymentResult],
) -> PaymentResult:
    """Record, then make ``call(key)``; raise :class:`PaymentUnavailableError` when the
    outcome is unknown (the caller retries with the same key).

    Commits: the key must be durable before the provider sees it, and the
    outcome must stay recorded even if the caller's transaction fails after.
    """
    _record_attempt(platform, provider, key, operation)
    try:
        result = call(key)
    except PaymentUnavailableError as exc:
        _record_outcome(platform, key, "unknown", None, str(exc)[:500])
        raise
    except Exception as exc:
        # Anything unexpected from a provider (a library's timeout class, a bug) leaves the
        # outcome unknown as well: the same key is retried, never a new one.
        logger.exception("payment provider %s failed on %s", provider.name, operation)
        _record_outcome(platform, key, "unknown", None, f"{type(exc).__name__}: {exc}"[:500])
        raise PaymentUnavailableError(f"{provider.name} {operation} failed: {exc}") from exc
    _record_outcome(platform, key, result.status, result.provider_ref, None)
    return result
