"""What the server sends: one frame, encoded to JSON once for every recipient.

A frame is ``{"topic", "event", "data", "id"}``. ``id`` is the frame's place
in the recipient's replay log (user streams only; an SSE client resumes from
it with ``Last-Event-ID``), ``null`` on topics without a log and on control
frames (``subscribed``, ``heartbeat``, ``error``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Frame:
    topic: str | None
    event: str
    data: dict[str, Any]
    id: str | None = None
    # Encoded lazily, once: a frame fanned out to many sockets is serialized once.
    _text: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def text(self) -> str:
        if not self._text:
            self._text.append(
                json.dumps(
                    {"topic": self.topic, "event": self.event, "data": self.data, "id": self.id},
                    separators=(",", ":"),
                    default=str,
                )
            )
        return self._text[0]

    def with_id(self, frame_id: str) -> Frame:
        return replace(self, id=frame_id, _text=[])

    @classmethod
    def from_text(cls, text: str) -> Frame:
        """A frame another process encoded (Redis pub/sub); the text is reused as is."""
        body = json.loads(text)
        return cls(body["topic"], body["event"], body["data"], body.get("id"), [text])


def control(event: str, topic: str | None = None, **data: Any) -> Frame:
    """A frame about the connection itself (never logged, ``id`` null)."""
    return Frame(topic, event, data)
