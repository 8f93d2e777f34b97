"""Local fan-out: which connections of this process follow which topic.

Frames arrive from any thread (a committing request, the Redis listener) and
each connection drains its own bounded queue on its event loop. A queue that
fills means the client reads slower than frames come: the connection is
told to go (:attr:`Sink.overflowed`), and nothing more is queued for it, so a
slow client never makes the server hold more than ``maxsize`` frames for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from socialflow.realtime.frames import Frame


class Sink:
    """One connection's bounded send queue, living on one event loop.

    Frames offered from other threads travel to the loop first; those in
    flight count against the bound too, so at most ``maxsize`` frames wait in
    the queue and ``maxsize`` more on their way to it, however fast others publish.
    """

    def __init__(self, maxsize: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self.maxsize = maxsize
        self.queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = asyncio.Event()
        self.closed = False
        self.high_water = 0
        self._lock = threading.Lock()
        self._in_flight = 0
        # Called once, on the loop, when the queue overflows (the connection drops).
        self.on_overflow: Callable[[], None] | None = None

    def offer(self, frame: Frame) -> None:
        """Queue ``frame`` from any thread; never blocks and never grows past the bound."""
        if self.closed:
            return
        with self._lock:
            full = self._in_flight >= self.maxsize
            if not full:
                self._in_flight += 1
        try:
            if full:
                self.closed = True
                self.loop.call_soon_threadsafe(self._overflow)
            else:
                self.loop.call_soon_threadsafe(self._arrive, frame)
        except RuntimeError:  # the loop is closed: the connection is gone
            self.closed = True

    def put_now(self, frame: Frame) -> None:
        """Queue ``frame`` from the sink's own loop."""
        self._put(frame)

    def _arrive(self, frame: Frame) -> None:
        with self._lock:
            self._in_flight -= 1
        self._put(frame)

    def _put(self, frame: Frame) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.closed = True
            self._overflow()
            return
        self.high_water = max(self.high_water, self.queue.qsize())

    def _overflow(self) -> None:
        if self.overflowed.is_set():
            return
        self.overflowed.set()
        if self.on_overflow is not None:
            self.on_overflow()


class Hub:
    """Topic -> the sinks of this process that follow it. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, set[Sink]] = {}
        # Frames this process handed to its sinks (a followed topic's, since start).
        self.delivered = 0

    def add(self, topic: str, sink: Sink) -> bool:
        """Follow ``topic``; True if this process did not follow it before."""
        with self._lock:
            sinks = self._topics.setdefault(topic, set())
            first = not sinks
            sinks.add(sink)
            return first

    def remove(self, topic: str, sink: Sink) -> bool:
        """Stop following ``topic``; True if no sink of this process follows it any more."""
        with self._lock:
            sinks = self._topics.get(topic)
            if sinks is None or sink not in sinks:
                return False
            sinks.discard(sink)
            if sinks:
                return False
            del self._topics[topic]
            return True

    def deliver(self, frame: Frame) -> int:
        """Offer ``frame`` to every sink following its topic; returns how many."""
        if frame.topic is None:
            return 0
        with self._lock:
            sinks = list(self._topics.get(frame.topic, ()))
            if sinks:
                self.delivered += 1
        for sink in sinks:
            sink.offer(frame)
        return len(sinks)

    def follows(self, topic: str) -> bool:
        with self._lock:
            return topic in self._topics

    def topics(self) -> list[str]:
        with self._lock:
            return list(self._topics)

    def subscriptions(self) -> int:
        """How many (topic, connection) pairs this process serves."""
        with self._lock:
            return sum(len(s) for s in self._topics.values())
