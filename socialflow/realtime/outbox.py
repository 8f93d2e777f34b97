"""The publisher thread: commit observers hand it work, it reads and publishes.

A commit observer runs in the thread that committed, while that session still
holds its database connection. Reading the counters or the actors' names
there would take a second connection from the pool: with as many requests
committing at once as the pool has connections, every one of them would wait
for another and the pool would run dry (each request then fails after the
pool's timeout). So observers only note what happened, and one thread per
platform does the reads (one connection at a time) and publishes.

The queue is bounded: when publishing falls that far behind, new work is
dropped with a warning rather than held in memory. Nothing durable is lost:
notifications are rows a client can list, counters are on the post.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)
QUEUE_LIMIT = 10_000
_STOP = object()


class Publisher:
    """A daemon thread running queued publishing jobs in order."""

    def __init__(self, *, limit: int = QUEUE_LIMIT) -> None:
        self._jobs: queue.Queue[object] = queue.Queue(maxsize=limit)
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="realtime-publisher", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the publisher thread (dropped, with a warning, when the queue is full)."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            logger.warning("realtime publishing is behind by %d jobs: dropping one", QUEUE_LIMIT)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every job submitted so far has run (tests, shutdown)."""
        done = threading.Event()
        self.submit(done.set)
        done.wait(timeout)

    def close(self) -> None:
        """Stop the thread; what is still queued is dropped (the platform is stopping)."""
        self._closing = True
        try:
            self._jobs.put(_STOP, timeout=5)
        except queue.Full:
            logger.warning("realtime publisher queue full at shutdown: pending frames dropped")
            return
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            if self._closing:
                continue
            try:
                job()  # type: ignore[operator]
            except Exception:
                logger.exception("realtime publishing failed")
