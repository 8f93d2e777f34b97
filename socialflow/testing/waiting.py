"""Waiting for a condition in tests, instead of sleeping and hoping.

A fixed ``time.sleep(n)`` before an assertion races the code under test: on a
loaded CI machine ``n`` is too short, on a quiet one it is time wasted. Poll
the condition itself, with a deadline that only a real failure reaches::

    video = wait_until(lambda: finished(video_id), timeout=60, what="the transcode")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["wait_until"]


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float = 30,
    interval: float = 0.05,
    what: str | None = None,
) -> T:
    """Call ``predicate`` until it returns something truthy and return that.

    Raises ``AssertionError`` (naming ``what``, or the predicate) once ``timeout``
    seconds have passed; the predicate gets a last try at the deadline, so a
    slow machine never fails a condition that did become true.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            name = what or getattr(predicate, "__name__", "the condition")
            raise AssertionError(f"{name} did not happen within {timeout} s (last: {result!r})")
        time.sleep(interval)
