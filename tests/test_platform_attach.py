"""Per-platform objects that apps attach (``Platform.attach`` / ``Platform.get``)."""

from __future__ import annotations

import threading
from typing import Any


class Counters:
    """Built first by whoever needs it."""


class Cache:
    """Built from the counters: its factory asks the platform for them."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters


def test_a_factory_may_get_what_it_builds_on(platform: Any) -> None:
    """The feeds app's cache asks for the generation counters while it is built: the
    first get() of the cache must build both, not wait forever on its own lock."""
    platform.attach(Counters, Counters)
    platform.attach(Cache, lambda: Cache(platform.get(Counters)))
    built: list[Cache] = []
    worker = threading.Thread(target=lambda: built.append(platform.get(Cache)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "get() deadlocked on a factory that calls get()"
    assert built[0].counters is platform.get(Counters)
    assert platform.get(Cache) is built[0]
