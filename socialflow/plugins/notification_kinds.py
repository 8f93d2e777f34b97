"""Notification kinds an app adds to the inbox (``stream_started``, ``moderation_action``).

The notifications app knows the social kinds (followed, liked, mentioned...).
An app of its own (live, moderation, payments) tells users about its own
things through the ``socialflow_notification_kinds`` hook, without the
notifications app importing it and without importing the notifications app:
a :class:`NotificationKind` names the kind and turns the app's domain events
(``record_event``) into :class:`NotificationRequest` s. The notifications app
writes them in the transaction that recorded the event, under the same rules
as its own kinds (never to the actor, never across a block, the post visible
to the recipient), and delivers them through the recipient's preferences
(in-app, realtime, e-mail, push) like any other kind.

A request with no ``actor_id`` comes from the platform itself (a moderation
decision names no moderator); its ``text`` is what the user reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from socialflow.plugins.specs import Event

KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MAX_TEXT = 280


@dataclass(frozen=True)
class NotificationRequest:
    """One notification an event asks for, before the notifications app's rules decide.

    ``dedup_key`` names what it is about (unique per recipient, at most 64
    characters: ``stream:<id>``, ``action:<id>``); a second request with the
    same key for the same recipient is ignored, so a redelivered event never
    notifies twice. ``data`` carries the small JSON a client links from (ids,
    never secrets); ``text`` is at most 280 characters.
    """

    recipient_id: int
    dedup_key: str
    text: str
    actor_id: int | None = None
    post_id: int | None = None
    comment_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


Requests = Callable[["Session", "Event"], Iterable[NotificationRequest]]


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification, the events that make it, and how.

    ``name``: lowercase letters, digits and ``_``, 2-32 characters, not a
    built-in kind. ``events``: the event names :attr:`requests` is called
    for, inside the transaction that recorded them (keep it to indexed
    lookups; for thousands of recipients, send a task that calls
    ``socialflow.notifications.notify`` in batches instead). ``email``: sent
    by e-mail unless the user turns it off (otherwise only if they turn it on).
    """

    name: str
    description: str
    events: frozenset[str]
    requests: Requests
    email: bool = False

    def __post_init__(self) -> None:
        if not KIND_NAME.fullmatch(self.name):
            raise ValueError(
                f"notification kind {self.name!r}: lowercase letters, digits and _, 2-32 long"
            )
