"""Brokers: how a published frame reaches every process serving its topic.

:class:`~socialflow.realtime.brokers.base.Broker` is the one interface;
:func:`build_broker` picks the in-process broker (one process) or Redis
pub/sub (any number of processes) from the settings.
"""

from __future__ import annotations

from socialflow.core.settings import Settings
from socialflow.realtime.brokers.base import Broker
from socialflow.realtime.settings import RealtimeSettings


def build_broker(settings: Settings, config: RealtimeSettings) -> Broker:
    """Redis when ``redis_url`` is set, else in-process; ``config`` sizes the replay log."""
    if settings.redis_url:
        from socialflow.realtime.brokers.redis import RedisBroker

        return RedisBroker(settings, config)
    from socialflow.realtime.brokers.memory import MemoryBroker

    return MemoryBroker(config)


__all__ = ["Broker", "build_broker"]
