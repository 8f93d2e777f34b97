"""What a delivered notification says: its text, subject and data, grouped.

Push and e-mail carry one line ("bob liked your post"). When others did the
same thing to the same post within the grouping window, the line says so
("bob and 4 others liked your post"), as the inbox groups them too. The
counts come from the inbox's own rows, so a notification hidden there
(blocked actor, deleted comment) is not counted either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.notifications.models import Notification
from socialflow.social.models import Comment

NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
SNIPPET = 80

VERBS = {
    "followed": "started following you",
    "follow_requested": "asked to follow you",
    "follow_approved": "approved your follow request",
    "liked": "liked your post",
    "shared": "shared your post",
    "commented": "commented on your post",
    "replied": "replied to your comment",
    "mentioned": "mentioned you",
}
# Kinds that pile up on one post and read well as a group.
GROUPABLE = frozenset({"liked", "shared", "commented"})


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    data: dict[str, Any]


def actors_phrase(first: str, others: int) -> str:
    """``"ana"``, ``"ana and bob"`` style: ``"ana and 1 other"``, ``"ana and 4 others"``."""
    if others <= 0:
        return first
    return f"{first} and {others} other{'s' if others != 1 else ''}"


def others_count(session: Session, note: Notification, window_seconds: int) -> int:
    """Distinct other actors who did ``note.kind`` to ``note.post_id`` within the window
    before ``note`` (the group ``note`` closes)."""
    if window_seconds <= 0 or note.kind not in GROUPABLE or note.post_id is None:
        return 0
    since = note.created_at - timedelta(seconds=window_seconds)
    count = session.execute(
        select(func.count(func.distinct(NOTIFICATIONS.c.actor_id))).where(
            NOTIFICATIONS.c.recipient_id == note.recipient_id,
            NOTIFICATIONS.c.kind == note.kind,
            NOTIFICATIONS.c.post_id == note.post_id,
            NOTIFICATIONS.c.actor_id != note.actor_id,
            NOTIFICATIONS.c.created_at >= since,
            NOTIFICATIONS.c.id < note.id,
        )
    ).scalar_one()
    return int(count)


def compose(session: Session, note: Notification, *, window_seconds: int) -> Composed:
    """The message for ``note`` (its actor's name, the verb, a snippet of the comment);
    a kind an app added says its own ``text``."""
    actor = session.get(User, note.actor_id) if note.actor_id is not None else None
    name = actor.username if actor is not None else "someone"
    if note.kind in VERBS:
        others = others_count(session, note, window_seconds)
        line = f"{actors_phrase(name, others)} {VERBS[note.kind]}"
    else:
        line = note.text or note.kind
    text = line
    if note.comment_id is not None:
        comment = session.get(Comment, note.comment_id)
        if comment is not None and comment.text:
            snippet = comment.text if len(comment.text) <= SNIPPET else comment.text[:SNIPPET] + "…"
            text = f"{line}: {snippet}"
    data: dict[str, Any] = {
        "notification_id": note.id,
        "kind": note.kind,
        "actor": name if note.actor_id is not None else None,
        "post_id": note.post_id,
        "comment_id": note.comment_id,
        **({"data": note.data} if note.data else {}),
    }
    return Composed(subject=line, text=text, data=data)
