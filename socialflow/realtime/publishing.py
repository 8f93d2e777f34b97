"""What the platform's commits publish: new notifications and post counters.

A commit observer (``Platform.on_commit``) notes, after the commit, what the
transaction did (the rows it announces exist), and hands the reads and the
publishing to the platform's publisher thread (:mod:`socialflow.realtime.outbox`
says why). Notifications go to
``user:<recipient>`` (the notifications app says which rows the transaction
wrote: a deduplicated repeat is not announced twice); likes, comments and
shares publish the post's counters to ``post:<id>``, without saying who
acted (that may be someone the follower of the topic must not learn of).

Access can end after a subscription began: a post's visibility changes or it
is deleted (``recheck`` on ``post:<id>``), two users block each other, or an
app says a user's access changed (``access_changed`` with ``user_ids``, a
lapsed subscription; ``recheck`` on ``access:<id>``). Connections re-check
their post topics then and drop those no longer allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.platform import Platform
from socialflow.notifications.inbox import Written, take_written
from socialflow.plugins.specs import Event
from socialflow.realtime.brokers import Broker
from socialflow.realtime.outbox import Publisher
from socialflow.realtime.topics import RECHECK, access_topic, post_topic, user_topic
from socialflow.social.posts import POSTS

logger = logging.getLogger(__name__)
USERS = User.__table__  # type: ignore[attr-defined]
# Events that move a post's counters.
COUNTER_EVENTS = frozenset(
    {"liked", "unliked", "commented", "comment_deleted", "shared", "unshared"}
)


def publish_after_commit(platform: Platform) -> Any:
    """The commit observer for ``platform``."""

    def observe(session: Session, events: list[Event]) -> None:
        written = take_written(session)
        post_ids = sorted({e.payload["post_id"] for e in events if e.name in COUNTER_EVENTS})
        rechecks = access_rechecks(events)
        if not written and not post_ids and not rechecks:
            return
        platform.get(Publisher).submit(lambda: publish(platform, written, post_ids, rechecks))

    return observe


def access_rechecks(events: Iterable[Event]) -> list[str]:
    """The topics whose followers must be checked again after these events."""
    topics: set[str] = set()
    for event in events:
        payload = event.payload
        if event.name == "post_deleted" or (
            event.name == "post_edited" and "visibility" in payload
        ):
            topics.add(post_topic(int(payload["post_id"])))
        elif event.name == "blocked":
            topics.update(access_topic(int(payload[key])) for key in ("blocker_id", "blocked_id"))
        elif event.name == "access_changed":
            topics.update(access_topic(int(user_id)) for user_id in payload["user_ids"])
    return sorted(topics)


def publish(
    platform: Platform,
    written: list[Written],
    post_ids: list[int],
    rechecks: Iterable[str] = (),
) -> None:
    """Publish what one commit did (on the publisher thread)."""
    broker = platform.get(Broker)  # type: ignore[type-abstract]
    if written:
        publish_notifications(platform, broker, written)
    wanted = [p for p in post_ids if broker.wants(post_topic(p))]
    if wanted:
        publish_counters(platform, broker, wanted)
    for topic in rechecks:
        if broker.wants(topic):
            _publish(broker, topic, RECHECK, {})


def publish_notifications(platform: Platform, broker: Broker, written: list[Written]) -> None:
    actors = _actors(platform, {a for w in written if (a := w.candidate.actor_id) is not None})
    for row in written:
        candidate = row.candidate
        actor_id = candidate.actor_id
        data = {
            "id": row.id,
            "kind": candidate.kind,
            "created_at": row.created_at.isoformat(),
            "actor": None if actor_id is None else actors.get(actor_id, {"id": actor_id}),
            "post_id": candidate.post_id,
            "comment_id": candidate.comment_id,
            "text": candidate.text,
            "data": dict(candidate.data or {}),
        }
        _publish(broker, user_topic(candidate.recipient_id), "notification", data)


def publish_counters(platform: Platform, broker: Broker, post_ids: Iterable[int]) -> None:
    statement = select(
        POSTS.c.id, POSTS.c.like_count, POSTS.c.comment_count, POSTS.c.share_count
    ).where(POSTS.c.id.in_(list(post_ids)), POSTS.c.deleted_at.is_(None))
    with platform.session(read_only=True) as session:
        rows = list(session.execute(statement))
    for row in rows:
        data = {
            "post_id": row.id,
            "like_count": int(row.like_count),
            "comment_count": int(row.comment_count),
            "share_count": int(row.share_count),
        }
        _publish(broker, post_topic(row.id), "counters", data)


def _actors(platform: Platform, ids: set[int]) -> dict[int, dict[str, Any]]:
    statement = select(USERS.c.id, USERS.c.username, USERS.c.display_name).where(
        USERS.c.id.in_(sorted(ids))
    )
    with platform.session(read_only=True) as session:
        return {
            row.id: {"id": row.id, "username": row.username, "display_name": row.display_name}
            for row in session.execute(statement)
        }


def _publish(broker: Broker, topic: str, event: str, data: dict[str, Any]) -> None:
    try:
        broker.publish(topic, event, data)
    except Exception:
        # The commit stands; a user stream's client catches up from the notifications list.
        logger.exception("could not publish %s to %s", event, topic)
