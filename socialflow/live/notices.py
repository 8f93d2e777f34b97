"""Followers hear that a creator went live, or scheduled a live, through their inbox.

A creator may have many followers, so these notifications are not written in
the transaction that starts the stream: the event's transaction sends
:data:`NOTIFY_TASK` (after its commit), and the task writes them in batches
with ``socialflow.notifications.inbox.notify``, under the inbox's rules (no
one across a block, nobody told of their own stream) and each follower's
preferences. The kinds are added through ``socialflow_notification_kinds``
(with no event of their own: only this task writes them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.effects import enqueue_after_commit
from socialflow.graph.models import Follow
from socialflow.live.models import LiveStream
from socialflow.notifications.inbox import notify
from socialflow.plugins.notification_kinds import NotificationKind, NotificationRequest

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

NOTIFY_TASK = "socialflow.live.notify_followers"
BATCH = 500
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]

KINDS = [
    NotificationKind("live_started", "Someone you follow went live", frozenset(), lambda s, e: ()),
    NotificationKind(
        "live_scheduled", "Someone you follow scheduled a live", frozenset(), lambda s, e: ()
    ),
]


def send(
    session: Session, kind: str, stream_id: int | None, broadcast_id: int | None = None
) -> None:
    """Tell the stream owner's followers once this transaction commits."""
    if stream_id is not None:
        enqueue_after_commit(session, NOTIFY_TASK, kind, stream_id, broadcast_id)


def notify_followers(
    platform: Platform, kind: str, stream_id: int, broadcast_id: int | None
) -> int:
    """Write ``kind`` for every follower of the stream's owner; how many were new.
    Idempotent: a rerun finds each follower's row there already.

    Commits: a batch per transaction (this is the task's whole work), so a
    creator with many followers never holds one long transaction.
    """
    with platform.session(read_only=True) as session:
        stream = session.get(LiveStream, stream_id)
        owner = session.get(User, stream.owner_id) if stream is not None else None
    if stream is None or owner is None or owner.id is None:
        return 0
    written, after = 0, 0
    while True:
        with platform.session() as session:
            followers = list(
                session.execute(
                    select(FOLLOWS.c.follower_id)
                    .where(FOLLOWS.c.followee_id == owner.id, FOLLOWS.c.follower_id > after)
                    .order_by(FOLLOWS.c.follower_id)
                    .limit(BATCH)
                ).scalars()
            )
            if not followers:
                return written
            requests = _requests(kind, stream, owner, followers, broadcast_id)
            written += notify(session, kind, requests)
            session.commit()
        after = followers[-1]


def _requests(
    kind: str, stream: LiveStream, owner: User, followers: list[int], broadcast_id: int | None
) -> Iterator[NotificationRequest]:
    if kind == "live_started":
        text = f"{owner.username} is live: {stream.title}"
        key = f"live:{broadcast_id}"
    else:
        when = stream.scheduled_at
        at = f" on {when:%Y-%m-%d at %H:%M} UTC" if isinstance(when, datetime) else ""
        text = f"{owner.username} scheduled a live{at}: {stream.title}"
        key = f"live_scheduled:{stream.id}:{when.isoformat() if when else ''}"[:64]
    data = {"stream_id": stream.id, "broadcast_id": broadcast_id}
    for follower in followers:
        yield NotificationRequest(
            recipient_id=follower, actor_id=owner.id, dedup_key=key, text=text, data=data
        )
