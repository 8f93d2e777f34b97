"""Which events webhooks carry, and whose endpoints may receive each.

The rule (docs/webhooks.md, "Who receives what"): an event goes to an
endpoint only if it is *about the endpoint's owner*: the owner's account, or
the owner's content, or an action whose party the app itself would tell.
For each event the :data:`AUDIENCE` table names the payload fields holding
the ids of those users; an owner named there may receive it, nobody else.
Admins (role ``admin``) may receive every event of the catalogue.

Deliberately left out of an audience: the other side of an undo or a
private action (the followee of ``unfollowed``, the blocked user of
``blocked``, the muted user of ``muted``, the author of a post someone
``unliked``, ``unshared`` or ``bookmarked``, the requester of a
``follow_rejected``): the app never tells them either. Events naming a post
another user wrote (``mentioned``, a reply) also need the owner to be able to
see that post (see :mod:`socialflow.webhooks.capture`).

``video_watched`` is not carried: one per view is analytics, not a webhook.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from socialflow.plugins.specs import Event

WILDCARD = "*"

# event name -> payload fields naming the users the event is about.
AUDIENCE: dict[str, tuple[str, ...]] = {
    # accounts
    "user_registered": ("user_id",),
    "account_privacy_changed": ("user_id",),
    "user_suspended": ("user_id",),
    "user_deleted": ("user_id",),
    # graph
    "followed": ("follower_id", "followee_id"),
    "unfollowed": ("follower_id",),
    "follow_requested": ("requester_id", "target_id"),
    "follow_approved": ("requester_id", "target_id"),
    "follow_rejected": ("target_id",),
    "blocked": ("blocker_id",),
    "unblocked": ("blocker_id",),
    "muted": ("muter_id",),
    "unmuted": ("muter_id",),
    # social
    "post_created": ("author_id",),
    "post_edited": ("author_id",),
    "post_deleted": ("author_id",),
    "mentioned": ("user_id", "author_id"),
    "commented": ("author_id", "post_author_id", "reply_to_author_id"),
    "comment_deleted": ("author_id", "post_author_id"),
    "liked": ("user_id", "author_id"),
    "unliked": ("user_id",),
    "shared": ("user_id", "author_id"),
    "unshared": ("user_id",),
    "bookmarked": ("user_id",),
    # video
    "video_created": ("owner_id",),
    "video_updated": ("owner_id",),
    "video_ready": ("owner_id",),
    "video_failed": ("owner_id",),
    "video_deleted": ("owner_id",),
}

# A synthetic event, sent only by ``POST /webhooks/{id}/test``.
PING = "ping"
EVENT_TYPES: frozenset[str] = frozenset(AUDIENCE)


def concerned_user_ids(event: Event) -> set[int]:
    """The users ``event`` is about (whose endpoints may receive it)."""
    found: set[int] = set()
    for key in AUDIENCE.get(event.name, ()):
        value = event.payload.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return found


def subscribes(events: Iterable[str], name: str) -> bool:
    """Whether an endpoint subscribed to ``events`` wants ``name``."""
    chosen = set(events)
    return WILDCARD in chosen or name in chosen


def unknown_event_types(events: Iterable[str]) -> list[str]:
    return sorted({e for e in events if e != WILDCARD and e not in EVENT_TYPES})


def envelope(event: Event) -> dict[str, Any]:
    """The JSON body of a delivery (Standard Webhooks shape: type, timestamp, data)."""
    return {
        "type": event.name,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": dict(event.payload),
    }
