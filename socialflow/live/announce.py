"""After a commit: followers told a creator went live; a gone account's streams ended.

After the commit that recorded ``stream_started``, each follower of the
creator gets a ``live_started`` frame on their own topic (``user:<id>``),
which open apps receive at once and the event stream replays after a
reconnect (docs/realtime.md). Only when the realtime app is on.

Like the realtime app's own publishing, the commit observer only notes the
event; reading the followers and publishing happen on the realtime
publisher thread, never holding a second database connection from the
committing thread. Followers are read in pages, so a large following costs
memory for one page at a time.

A suspended or deleted account's open streams are ended by a task the
observer queues (``socialflow.live.end_user_streams``), so a key that leaked
with the account stops working too.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.platform import Platform
from socialflow.graph.models import Follow
from socialflow.plugins.specs import Event

logger = logging.getLogger("socialflow.live")
FOLLOWS = Follow.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
PAGE = 1000
FRAME = "live_started"
# A suspended or deleted account's streams end (a Celery task: no database work here).
ACCOUNT_GONE = frozenset({"user_suspended", "user_deleted"})
END_USER_STREAMS = "socialflow.live.end_user_streams"


def announce_after_commit(platform: Platform) -> Any:
    """The commit observer for ``platform``: announces when the realtime app is on."""

    def observe(session: Session, events: list[Event]) -> None:
        from socialflow.core.effects import PendingTask

        for event in events:
            if event.name in ACCOUNT_GONE:
                task = PendingTask(END_USER_STREAMS, (event.payload["user_id"],), queue="default")
                platform.enqueue(task)
        started = [dict(e.payload) for e in events if e.name == "stream_started"]
        if started and "realtime" in platform.plugins.app_names():
            from socialflow.realtime.outbox import Publisher

            platform.get(Publisher).submit(lambda: _announce_all(platform, started))

    return observe


def _announce_all(platform: Platform, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        announce(platform, payload)


def announce(platform: Platform, payload: dict[str, Any]) -> int:
    """Publish ``live_started`` to every follower of the stream's owner; how many."""
    from socialflow.realtime.brokers import Broker
    from socialflow.realtime.topics import user_topic

    broker = platform.get(Broker)  # type: ignore[type-abstract]
    owner_id = payload["owner_id"]
    with platform.session(read_only=True) as session:
        owner = session.execute(
            select(USERS.c.username, USERS.c.display_name).where(USERS.c.id == owner_id)
        ).first()
        if owner is None:
            return 0
        data = {
            "stream_id": payload["stream_id"],
            "title": payload.get("title", ""),
            "owner": {
                "id": owner_id,
                "username": owner.username,
                "display_name": owner.display_name,
            },
        }
        sent, after = 0, 0
        while True:
            followers = list(
                session.execute(
                    select(FOLLOWS.c.follower_id)
                    .where(FOLLOWS.c.followee_id == owner_id, FOLLOWS.c.follower_id > after)
                    .order_by(FOLLOWS.c.follower_id)
                    .limit(PAGE)
                ).scalars()
            )
            for follower_id in followers:
                broker.publish(user_topic(follower_id), FRAME, data)
            sent += len(followers)
            if len(followers) < PAGE:
                return sent
            after = followers[-1]
