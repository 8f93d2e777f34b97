"""Replay logs: the last frames of each user's stream, for resuming (``Last-Event-ID``).

Ids grow within one log. The in-process log numbers frames with one counter
(``"17"``); the Redis log uses stream ids (``"1733550000000-0"``). Both compare
with :func:`id_key`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from socialflow.realtime.frames import Frame


def id_key(frame_id: str) -> tuple[int, ...]:
    """``"12"`` -> ``(12,)``, ``"1733-4"`` -> ``(1733, 4)``; ValueError if malformed."""
    parts = frame_id.split("-")
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() and len(p) <= 20 for p in parts):
        raise ValueError(f"not a frame id: {frame_id!r}")
    return tuple(int(p) for p in parts)


@dataclass(frozen=True)
class Replay:
    """Frames after the id a client last saw, oldest first.

    ``truncated``: the log no longer reaches back to that id, so frames were
    lost in between and the client should reload what it shows.
    """

    frames: list[Frame]
    truncated: bool


class _UserLog:
    __slots__ = ("frames", "lost_upto")

    def __init__(self, entries: int) -> None:
        self.frames: deque[tuple[float, Frame]] = deque(maxlen=entries)
        self.lost_upto = 0  # the newest id pushed out of this log (0: none)


class MemoryReplayLog:
    """Per-user ring buffers in this process, for the embedded single-process setup.

    Bounded three ways: ``entries`` frames per user, ``max_users`` users
    (the least recently written go first) and ``ttl_seconds`` of age.
    """

    def __init__(self, *, entries: int, max_users: int, ttl_seconds: float) -> None:
        self.entries, self.max_users, self.ttl = entries, max_users, ttl_seconds
        self._lock = threading.Lock()
        self._next = 0
        self._evicted_upto = 0  # newest id held by a whole user log dropped for room
        self._logs: OrderedDict[int, _UserLog] = OrderedDict()

    def append(self, user_id: int, frame: Frame) -> Frame:
        """Number ``frame`` and keep it in ``user_id``'s log; returns the numbered frame."""
        with self._lock:
            self._next += 1
            numbered = frame.with_id(str(self._next))
            if self.entries == 0:
                return numbered
            log = self._logs.get(user_id)
            if log is None:
                log = self._logs[user_id] = _UserLog(self.entries)
                while len(self._logs) > self.max_users:
                    _, dropped = self._logs.popitem(last=False)
                    if dropped.frames:
                        self._evicted_upto = max(self._evicted_upto, _number(dropped.frames[-1]))
            else:
                self._logs.move_to_end(user_id)
            if len(log.frames) == self.entries:
                log.lost_upto = _number(log.frames[0])
            log.frames.append((time.monotonic(), numbered))
            return numbered

    def since(self, user_id: int, last_id: str) -> Replay:
        """Frames of ``user_id`` after ``last_id`` (ValueError if it is malformed)."""
        (after, *_) = id_key(last_id)
        oldest = time.monotonic() - self.ttl
        with self._lock:
            log = self._logs.get(user_id)
            if log is None:
                return Replay([], truncated=after < self._evicted_upto)
            while log.frames and log.frames[0][0] < oldest:
                log.lost_upto = _number(log.frames.popleft())
            newer = [f for _, f in log.frames if int(f.id or 0) > after]
            return Replay(newer, truncated=after < log.lost_upto)


def _number(entry: tuple[float, Frame]) -> int:
    return int(entry[1].id or 0)
