"""Writing the logs: impressions buffered per process, engagement in its transaction.

Feeds report each page they build through ``socialflow_feed_served`` (the
feeds app knows nothing of this app). Writing a row per impression on the
request path would cost a transaction per page; instead :class:`LogBuffer`
keeps rows in memory and writes them with **one** multi-row ``INSERT`` when
``flush_rows`` are waiting or the oldest has waited ``flush_seconds`` (and
when the platform stops). A crash loses at most one buffer of impressions,
which a ranking log can afford. Engagement (likes and shares, heard as
events; watches and skips, reported by clients) goes through the same buffer
or, for client reports, into the reporting request's own transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session

from socialflow.core.platform import Platform
from socialflow.recommendations.models import RecEvent

EVENTS = RecEvent.__table__  # type: ignore[attr-defined]
logger = logging.getLogger(__name__)


def row(
    kind: str,
    post_id: int,
    *,
    user_id: int | None,
    author_id: int | None = None,
    surface: str | None = None,
    position: int | None = None,
    ranker: str | None = None,
    watch_ratio: float | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One log row (its ``day`` derived from ``at``, UTC)."""
    at = at or datetime.now(UTC)
    return {
        "day": at.date(),
        "at": at,
        "kind": kind,
        "user_id": user_id,
        "post_id": post_id,
        "author_id": author_id,
        "surface": surface,
        "position": position,
        "ranker": ranker[:32] if ranker else None,
        "watch_ratio": watch_ratio,
    }


def write(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in the caller's transaction, one statement."""
    if rows:
        session.execute(insert(EVENTS), list(rows))


class LogBuffer:
    """Rows waiting for one batched insert (thread-safe; one per platform).

    Writes happen on a background thread, never on the caller's: a feed page
    is built inside its own transaction, and on SQLite a second write from the
    same thread would wait for that one to end. A failed write is logged and
    its rows dropped; it never reaches the request.
    """

    def __init__(self, platform: Platform, *, max_rows: int, max_seconds: float) -> None:
        self.platform = platform
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._rows: list[dict[str, Any]] = []
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Buffer ``rows``; a full buffer is written now, others within ``max_seconds``."""
        with self._lock:
            self._rows.extend(rows)
            full = len(self._rows) >= self.max_rows
            if full or self._timer is None:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = threading.Timer(0 if full else self.max_seconds, self._flush_quietly)
                self._timer.daemon = True
                self._timer.start()

    def close(self) -> None:
        """Write what is left (the platform is stopping)."""
        self.flush()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:
            logger.exception("could not write %s recommendation log rows", "buffered")

    def flush(self) -> int:
        """Write everything buffered now; returns the rows written.

        Commits: the buffer is its own transaction (it belongs to no request).
        """
        with self._lock:
            rows, self._rows = self._rows, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if rows:
            with self.platform.session() as session:
                write(session, rows)
                session.commit()
        return len(rows)


def prune(session: Session, *, retention_days: int, today: datetime | None = None) -> int:
    """Drop the days past retention (whole days: the ``day`` index); returns rows removed."""
    from datetime import timedelta

    first_kept = (today or datetime.now(UTC)).date() - timedelta(days=retention_days - 1)
    result = session.execute(delete(EVENTS).where(EVENTS.c.day < first_kept))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
