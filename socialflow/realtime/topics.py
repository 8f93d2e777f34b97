"""Topic names: ``user:<id>`` (one user's own stream), ``post:<id>`` (a post's counters),
and the kinds apps above register (:mod:`socialflow.realtime.topic_kinds`).

Only the shape is checked here; who may follow what is
:mod:`socialflow.realtime.access`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

KINDS = ("user", "post")
_TOPIC = re.compile(r"^([a-z]{1,20}):([1-9][0-9]{0,18})$")


class BadTopicError(ValueError):
    """Not a topic this server knows."""


@dataclass(frozen=True)
class Topic:
    kind: str
    object_id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


def parse_topic(value: object, extra_kinds: Collection[str] = ()) -> Topic:
    if not isinstance(value, str):
        raise BadTopicError("topic must be a string")
    match = _TOPIC.match(value)
    if match is None or (match.group(1) not in KINDS and match.group(1) not in extra_kinds):
        known = [*KINDS, *extra_kinds]
        raise BadTopicError(f"unknown topic; use one of {', '.join(k + ':<id>' for k in known)}")
    return Topic(match.group(1), int(match.group(2)))


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def post_topic(post_id: int) -> str:
    return f"post:{post_id}"


def access_topic(user_id: int) -> str:
    """A user's connections' internal topic: ``recheck`` frames there make each of them
    re-check every post topic it follows (clients cannot subscribe to it)."""
    return f"access:{user_id}"


# The event of a frame that is not for the client: "re-check who may follow this".
RECHECK = "recheck"


def user_of(topic: str) -> int | None:
    """The user whose own stream ``topic`` is (frames there are logged for replay)."""
    if topic.startswith("user:"):
        rest = topic[5:]
        if rest.isdigit():
            return int(rest)
    return None
