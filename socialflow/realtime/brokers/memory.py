"""The in-process broker: one process, no Redis (the embedded default)."""

from __future__ import annotations

from socialflow.realtime.brokers.base import Broker
from socialflow.realtime.frames import Frame
from socialflow.realtime.replay import MemoryReplayLog, Replay
from socialflow.realtime.settings import RealtimeSettings
from socialflow.realtime.topics import user_of


class MemoryBroker(Broker):
    """Frames go straight to this process's hub; replay logs are ring buffers in memory.

    Only clients of this process hear frames published in it: run one
    ``socialflow serve`` process, or set ``redis_url``.
    """

    def __init__(self, config: RealtimeSettings) -> None:
        super().__init__()
        self.log = MemoryReplayLog(
            entries=config.replay_entries,
            max_users=config.replay_users,
            ttl_seconds=config.replay_seconds,
        )

    def wants(self, topic: str) -> bool:
        return user_of(topic) is not None or self.hub.follows(topic)

    def replay(self, user_id: int, last_id: str) -> Replay:
        return self.log.since(user_id, last_id)

    def _log(self, user_id: int, frame: Frame) -> Frame:
        return self.log.append(user_id, frame)

    def _send(self, frame: Frame) -> None:
        self.hub.deliver(frame)
