"""The API process's buffer of raw analytics events, written in batches.

In a process that serves HTTP, the rows of committed transactions are not
inserted by the request: :meth:`EventBuffer.add` appends them to a bounded
in-memory queue (a lock and a list append, no I/O), and a background thread
writes them with one multi-row ``INSERT`` (Core, executemany) per batch of
``flush_batch_size`` rows or every ``flush_interval`` seconds, whichever comes
first. So a beacon's request pays for no analytics write at all, and the
database sees few large inserts instead of one per request.

What this trades: rows wait in memory up to ``flush_interval`` seconds. A clean
stop (``Platform.stop()``, which the app's lifespan calls) flushes them all; a
killed process loses what was waiting. When the queue is full (the database
is down or slower than the traffic) new rows are shed, never waited for, and
counted on ``socialflow_analytics_events_shed_total``. Rows keep their
``occurred_at``, so a row written late still folds into its own hour at the
next rollup.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Engine, insert

from socialflow.analytics.models import AnalyticsEvent

logger = logging.getLogger(__name__)
EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]
INSERT = insert(EVENTS)


# One set of counters per registry: a platform restarted (stop, start) keeps its
# registry and builds a new buffer, which counts on where the last one left off.
_COUNTERS: weakref.WeakKeyDictionary[CollectorRegistry, tuple[Counter, Counter, Counter]]
_COUNTERS = weakref.WeakKeyDictionary()
_COUNTERS_LOCK = threading.Lock()


def _counters(registry: CollectorRegistry | None) -> tuple[Counter, Counter, Counter]:
    """Events written, events shed, seconds spent writing (on ``registry``)."""
    with _COUNTERS_LOCK:
        if registry is not None and registry in _COUNTERS:
            return _COUNTERS[registry]
        made = (
            Counter(
                "socialflow_analytics_events_written",
                "Raw analytics events the API process's buffer wrote to the database.",
                registry=registry,
            ),
            Counter(
                "socialflow_analytics_events_shed",
                "Raw analytics events dropped because the buffer was full.",
                registry=registry,
            ),
            Counter(
                "socialflow_analytics_buffer_write_seconds",
                "Time the buffer spent writing batches of raw analytics events.",
                registry=registry,
            ),
        )
        if registry is not None:
            _COUNTERS[registry] = made
        return made


class EventBuffer:
    """Bounded queue of ``analytics_events`` rows and the thread that writes them."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        *,
        batch_size: int,
        interval: float,
        capacity: int,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._engine = engine
        self.batch_size = batch_size
        self.interval = interval
        self.capacity = capacity
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        # Serializes writers (the thread, flush(), close()) so rows go out in order.
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        # Off until the process serves HTTP: CLI commands and workers insert in the
        # transaction as before (they have no lifespan that would flush at exit).
        self.enabled = False
        self.written, self.shed, self.write_seconds = _counters(registry)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def add(self, rows: list[dict[str, Any]]) -> int:
        """Queue ``rows``; returns how many were taken (the rest shed). Never blocks on I/O."""
        if not rows:
            return 0
        with self._lock:
            room = self.capacity - len(self._rows)
            taken = rows if len(rows) <= room else rows[: max(room, 0)]
            self._rows.extend(taken)
            waiting = len(self._rows)
            if self._thread is None and not self._stopping:
                self._start()
        if len(taken) < len(rows):
            self.shed.inc(len(rows) - len(taken))
        if waiting >= self.batch_size:
            self._wake.set()
        return len(taken)

    def discard(self, keep: Callable[[dict[str, Any]], bool]) -> None:
        """Drop waiting rows for which ``keep`` is false (an account being deleted)."""
        with self._write_lock, self._lock:
            self._rows = [row for row in self._rows if keep(row)]

    def flush(self) -> int:
        """Write everything waiting now, in batches; returns how many rows were written."""
        total = 0
        with self._write_lock:
            while True:
                with self._lock:
                    batch = self._rows[: self.batch_size]
                    del self._rows[: self.batch_size]
                if not batch:
                    return total
                self._write(batch)
                total += len(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        try:
            with self._engine().begin() as connection:
                connection.execute(INSERT, batch)
        except Exception:
            # Put the batch back in front (room permitting) and retry at the next tick.
            with self._lock:
                room = self.capacity - len(self._rows)
                kept = batch[: max(room, 0)]
                self._rows[:0] = kept
            if len(kept) < len(batch):
                self.shed.inc(len(batch) - len(kept))
            raise
        finally:
            self.write_seconds.inc(time.perf_counter() - started)
        self.written.inc(len(batch))

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="socialflow-analytics-flusher", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                logger.exception("analytics events could not be written; retrying")
                time.sleep(min(self.interval, 1.0))

    def close(self) -> None:
        """Stop the thread and write what is left (a clean stop loses nothing)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)
        try:
            self.flush()
        except Exception:
            logger.exception("analytics events lost at shutdown: %d rows", len(self))
