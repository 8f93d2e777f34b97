"""Which notifications a transaction's events ask for, before the inbox's rules decide.

The social events map to the built-in kinds here; the events of other apps
map to the kinds those apps added (``socialflow_notification_kinds``), each
through its own :class:`~socialflow.plugins.notification_kinds.NotificationKind`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from socialflow.notifications import kinds
from socialflow.notifications.models import NotificationKind
from socialflow.plugins.notification_kinds import MAX_TEXT, NotificationRequest
from socialflow.plugins.specs import Event


@dataclass(frozen=True)
class Candidate:
    """A notification an event asks for, before the rules decide.

    ``actor_id`` is None for what the platform itself says (``text`` then
    carries the whole message); ``text`` and ``data`` come with added kinds.
    """

    recipient_id: int
    actor_id: int | None
    kind: str
    dedup_key: str
    post_id: int | None = None
    comment_id: int | None = None
    text: str | None = None
    data: Mapping[str, Any] | None = None


def candidates(session: Session, events: Sequence[Event]) -> list[Candidate]:
    """The notifications ``events`` ask for, most specific first for each comment."""
    approved = {
        (e.payload["requester_id"], e.payload["target_id"])
        for e in events
        if e.name == "follow_approved"
    }
    added = kinds.added(session)
    found: list[Candidate] = []
    for event in events:
        found += _for_event(event, approved)
        for kind in added.values():
            if event.name in kind.events:
                found += from_requests(kind.name, kind.requests(session, event))
    return found


def from_requests(kind: str, requests: Iterable[NotificationRequest]) -> list[Candidate]:
    """An added kind's requests as candidates (text cut to what the column holds)."""
    return [
        Candidate(
            request.recipient_id,
            request.actor_id,
            kind,
            request.dedup_key,
            post_id=request.post_id,
            comment_id=request.comment_id,
            text=request.text[:MAX_TEXT],
            data=dict(request.data),
        )
        for request in requests
    ]


def _for_event(event: Event, approved: set[tuple[int, int]]) -> list[Candidate]:
    p = event.payload
    kind = NotificationKind
    if event.name == "followed":
        if (p["follower_id"], p["followee_id"]) in approved:
            return []  # the target approved the request themselves: nothing to tell them
        actor = p["follower_id"]
        return [Candidate(p["followee_id"], actor, kind.followed, f"followed:{actor}")]
    if event.name == "follow_requested":
        actor = p["requester_id"]
        key = f"follow_requested:{actor}"
        return [Candidate(p["target_id"], actor, kind.follow_requested, key)]
    if event.name == "follow_approved":
        actor = p["target_id"]
        key = f"follow_approved:{actor}"
        return [Candidate(p["requester_id"], actor, kind.follow_approved, key)]
    if event.name in ("liked", "shared"):
        actor, post_id = p["user_id"], p["post_id"]
        key = f"{event.name}:{actor}:{post_id}"
        return [Candidate(p["author_id"], actor, kind(event.name), key, post_id=post_id)]
    if event.name == "commented":
        comment_id = p["comment_id"]
        common = {"post_id": p["post_id"], "comment_id": comment_id}
        key = f"comment:{comment_id}"
        found = []
        if p.get("reply_to_author_id") is not None:
            found.append(
                Candidate(p["reply_to_author_id"], p["author_id"], kind.replied, key, **common)
            )
        found.append(Candidate(p["post_author_id"], p["author_id"], kind.commented, key, **common))
        return found
    if event.name == "mentioned":
        comment_id = p.get("comment_id")
        key = f"comment:{comment_id}" if comment_id else f"post:{p['post_id']}"
        return [
            Candidate(
                p["user_id"],
                p["author_id"],
                kind.mentioned,
                key,
                post_id=p["post_id"],
                comment_id=comment_id,
            )
        ]
    return []
