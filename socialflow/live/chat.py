"""Stream chat: messages kept in the database and pushed on the stream's realtime topic.

Anyone who may see a stream may read its chat; signed-in users may write
unless the owner keeps them out:

* **ban / timeout**: a ban row for the user, for good or until a time;
* **slow mode**: ``chat_slow_mode_seconds`` between two messages of one user;
* **followers only**: only the owner's followers may write;
* **subscribers only**: only the owner's live subscribers (payments app) may write.

The owner is never limited, and deletes any message (it disappears from the
history and a ``chat_deleted`` frame tells open players). Services do not
commit; the routes commit, then publish the frame (:func:`publish`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select
from sqlmodel import Session, col

from socialflow.accounts.models import User
from socialflow.core.db.base import iso_or_none, utcnow
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.errors import Forbidden, NotFound, Problem
from socialflow.core.platform import Platform
from socialflow.graph.models import Follow
from socialflow.live.models import LiveChatBan, LiveChatMessage, LiveStream

MESSAGES = LiveChatMessage.__table__  # type: ignore[attr-defined]
BANS = LiveChatBan.__table__  # type: ignore[attr-defined]


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def serialize(message: LiveChatMessage, user: User) -> dict[str, Any]:
    return {
        "id": message.id,
        "stream_id": message.stream_id,
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name},
        "text": message.text,
        "created_at": iso_or_none(message.created_at),
    }


def post_message(
    session: Session, *, stream: LiveStream, author: User, text: str
) -> LiveChatMessage:
    """Write a message, after the owner's rules (ban, followers only, slow mode)."""
    assert author.id is not None
    assert stream.id is not None
    if author.id != stream.owner_id:
        _check_rules(session, stream, author.id)
    message = LiveChatMessage(stream_id=stream.id, user_id=author.id, text=text)
    session.add(message)
    session.flush()
    return message


def may_write(session: Session, stream: LiveStream, user_id: int) -> bool:
    """Whether ``user_id`` may write now by the owner's rules (what a provider's chat
    token grants); slow mode is the provider's to apply there."""
    if user_id == stream.owner_id:
        return True
    try:
        _check_rules(session, stream, user_id)
    except Problem as problem:
        return problem.status == 429  # slow mode: a pause, not a refusal
    return True


def _check_rules(session: Session, stream: LiveStream, user_id: int) -> None:
    now = utcnow()
    ban = session.execute(
        select(BANS.c.until).where(BANS.c.stream_id == stream.id, BANS.c.user_id == user_id)
    ).first()
    if ban is not None and (ban.until is None or _aware(ban.until) > now):
        detail = "You are banned from this chat."
        if ban.until is not None:
            detail = f"You are timed out of this chat until {iso_or_none(ban.until)}."
        raise Forbidden(detail, slug="live-chat-banned")
    if stream.chat_followers_only:
        follows = session.execute(
            select(Follow.follower_id).where(  # type: ignore[call-overload]
                Follow.follower_id == user_id, Follow.followee_id == stream.owner_id
            )
        ).first()
        if follows is None:
            raise Forbidden(
                "Only followers may write in this chat.", slug="live-chat-followers-only"
            )
    if stream.chat_subscribers_only:
        # Only switched on while the payments app is (update_settings checks).
        from socialflow.payments.access import is_subscriber

        if not is_subscriber(session, user_id, stream.owner_id):
            raise Forbidden(
                "Only subscribers may write in this chat.", slug="live-chat-subscribers-only"
            )
    if stream.chat_slow_mode_seconds:
        since = now - timedelta(seconds=stream.chat_slow_mode_seconds)
        recent = session.execute(
            select(MESSAGES.c.id).where(
                MESSAGES.c.stream_id == stream.id,
                MESSAGES.c.user_id == user_id,
                MESSAGES.c.created_at > since,
            )
        ).first()
        if recent is not None:
            raise Problem(
                f"Slow mode: one message every {stream.chat_slow_mode_seconds} s.",
                status=429,
                slug="live-chat-slow-mode",
                headers={"Retry-After": str(stream.chat_slow_mode_seconds)},
            )


def history(
    session: Session, *, stream: LiveStream, before: int | None, limit: int
) -> list[tuple[LiveChatMessage, User]]:
    """Messages not deleted, newest first, with their authors."""
    query = (
        select(LiveChatMessage, User)
        .join(User, col(User.id) == col(LiveChatMessage.user_id))
        .where(
            col(LiveChatMessage.stream_id) == stream.id, col(LiveChatMessage.deleted_at).is_(None)
        )
    )
    if before is not None:
        query = query.where(col(LiveChatMessage.id) < before)
    rows = session.execute(query.order_by(col(LiveChatMessage.id).desc()).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]


def delete_message(session: Session, *, stream: LiveStream, message_id: int) -> LiveChatMessage:
    """The owner removes a message (idempotent)."""
    message = session.get(LiveChatMessage, message_id)
    if message is None or message.stream_id != stream.id:
        raise NotFound("No such chat message.", slug="live-chat-message-not-found")
    if message.deleted_at is None:
        message.deleted_at = utcnow()
        session.add(message)
        session.flush()
    return message


def ban(
    session: Session, *, stream: LiveStream, user_id: int, seconds: int | None
) -> datetime | None:
    """Keep ``user_id`` out of the chat: for ``seconds`` (a timeout), or for good."""
    if user_id == stream.owner_id:
        raise Problem(
            "The owner cannot be kept out of their own chat.", status=422, slug="live-chat-own-ban"
        )
    if session.get(User, user_id) is None:
        raise NotFound("No such user.", slug="user-not-found")
    until = utcnow() + timedelta(seconds=seconds) if seconds else None
    values = {"stream_id": stream.id, "user_id": user_id, "until": until}
    if insert_ignore_key(session, BANS, values) is None:
        session.execute(
            BANS.update()
            .where(and_(BANS.c.stream_id == stream.id, BANS.c.user_id == user_id))
            .values(until=until, created_at=utcnow())
        )
    return until


def unban(session: Session, *, stream: LiveStream, user_id: int) -> None:
    session.execute(delete(BANS).where(BANS.c.stream_id == stream.id, BANS.c.user_id == user_id))


def publish(platform: Platform, stream_id: int, event: str, data: dict[str, Any]) -> None:
    """Send a chat frame to the stream's topic (after the commit), when realtime is on."""
    if "realtime" not in platform.plugins.app_names():
        return
    from socialflow.realtime.brokers import Broker

    platform.get(Broker).publish(f"live:{stream_id}", event, data)  # type: ignore[type-abstract]
