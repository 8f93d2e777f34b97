"""The broker interface every transport implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from socialflow.realtime.frames import Frame
from socialflow.realtime.hub import Hub, Sink
from socialflow.realtime.replay import Replay
from socialflow.realtime.topics import user_of


class Broker(ABC):
    """Publishes frames to topics and delivers them to this process's subscribers.

    ``publish`` may be called from any thread (commit observers run in the
    thread that committed) and does not wait for delivery; frames on a user's
    own stream (``user:<id>``) are also kept in that user's replay log and
    carry their id there.
    """

    def __init__(self) -> None:
        self.hub = Hub()

    def publish(self, topic: str, event: str, data: dict[str, Any]) -> Frame:
        frame = Frame(topic, event, data)
        user_id = user_of(topic)
        if user_id is not None:
            frame = self._log(user_id, frame)
        self._send(frame)
        return frame

    async def subscribe(self, topic: str, sink: Sink) -> None:
        """Deliver ``topic``'s frames to ``sink`` from now on (once this returns)."""
        if self.hub.add(topic, sink):
            await self._listen(topic)

    async def unsubscribe(self, topic: str, sink: Sink) -> None:
        if self.hub.remove(topic, sink):
            self._unlisten(topic)

    def wants(self, topic: str) -> bool:
        """Whether a frame on ``topic`` may reach anyone (skip building one otherwise).

        User streams are always wanted (their log keeps frames for later).
        """
        return True

    @abstractmethod
    def replay(self, user_id: int, last_id: str) -> Replay:
        """``user_id``'s logged frames after ``last_id`` (ValueError if malformed)."""

    def close(self) -> None:  # noqa: B027 - most transports hold nothing
        """Release connections and threads (``Platform.stop()``)."""

    @abstractmethod
    def _log(self, user_id: int, frame: Frame) -> Frame:
        """Keep ``frame`` in ``user_id``'s replay log; return it with its id."""

    @abstractmethod
    def _send(self, frame: Frame) -> None:
        """Get ``frame`` to every process's hub (this one's included)."""

    async def _listen(self, topic: str) -> None:  # noqa: B027 - optional step
        """This process now has a subscriber of ``topic``."""

    def _unlisten(self, topic: str) -> None:  # noqa: B027 - optional step
        """This process no longer has a subscriber of ``topic``."""
