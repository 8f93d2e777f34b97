"""Topic kinds that apps above the realtime app add (the live app's ``live:<id>``).

The realtime app knows ``user:<id>`` and ``post:<id>``; an app standing
above it (which may import it) registers another kind with who may follow it
and, optionally, what to do when a connection joins or leaves such a topic
(presence: the live app counts viewers this way). Registered per platform,
from the app's ``socialflow_platform_serving`` (connections only exist in
serving processes). The callbacks block (queries): they run in a worker
thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from socialflow.core.platform import Platform

BUILT_IN = ("user", "post", "access")


@dataclass(frozen=True)
class TopicKind:
    """``may_follow(user_id, object_id)``; ``joined``/``left(user_id, object_id, connection)``."""

    name: str
    may_follow: Callable[[int, int], bool]
    joined: Callable[[int, int, str], object] | None = None
    left: Callable[[int, int, str], object] | None = None


class TopicKinds:
    """The kinds registered on one platform, by name."""

    def __init__(self) -> None:
        self.kinds: dict[str, TopicKind] = {}

    def register(self, kind: TopicKind) -> None:
        if kind.name in BUILT_IN or not kind.name.isalpha() or not kind.name.islower():
            raise ValueError(f"topic kind {kind.name!r} is taken or not a lowercase word")
        self.kinds[kind.name] = kind

    def get(self, name: str) -> TopicKind | None:
        return self.kinds.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self.kinds)


def topic_kinds(platform: Platform) -> TopicKinds:
    return platform.get(TopicKinds)
