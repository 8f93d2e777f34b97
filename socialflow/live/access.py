"""Who may watch a stream, and telling open players when that changes.

A stream is public (anyone who may see its owner's videos) or kept to an
audience an app registered (``subscribers``, with the payments app); a
viewer banned for good from its chat may no longer follow its realtime
topic (a timeout only keeps them from writing). When the owner narrows the
stream, bans someone or deletes the stream, a ``recheck`` goes to the
stream's topic, ``live:<id>``, after the commit: each connection following
it asks again whether its user may (:func:`socialflow.live.viewers.may_watch`)
and, if not, drops the topic with a ``revoked`` frame, as for post topics.

Services do not commit; the routes commit, then call :func:`recheck`.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlmodel import Session

from socialflow.core.effects import record_event
from socialflow.core.errors import ValidationProblem
from socialflow.core.platform import Platform
from socialflow.live.models import LiveChatBan, LiveStream
from socialflow.plugins.audiences import audiences_of
from socialflow.plugins.protocols import StreamingProvider

BANS = LiveChatBan.__table__  # type: ignore[attr-defined]
PUBLIC = "public"


def banned_for_good(session: Session, stream_id: int, user_id: int) -> bool:
    """Whether ``user_id`` is banned from the stream's chat with no end (not a timeout)."""
    row = session.execute(
        select(BANS.c.id).where(
            BANS.c.stream_id == stream_id, BANS.c.user_id == user_id, BANS.c.until.is_(None)
        )
    ).first()
    return row is not None


def set_visibility(session: Session, *, stream: LiveStream, visibility: str) -> LiveStream:
    """``public``, or an audience the platform has (422 names the choices)."""
    choices = [PUBLIC, *audiences_of(session).names]
    if visibility not in choices:
        raise ValidationProblem(
            f"visibility must be one of: {', '.join(choices)}.",
            errors=[{"field": "visibility", "message": "unknown visibility", "code": "invalid"}],
            slug="live-visibility-invalid",
        )
    stream.visibility = visibility
    session.add(stream)
    session.flush()
    return stream


def delete_stream(session: Session, provider: StreamingProvider, *, stream: LiveStream) -> None:
    """Remove the stream, its broadcasts, chat and viewers (recordings stay videos).

    The provider's channel is stopped last, after the rows are gone from the
    transaction; a channel it no longer knows is fine (deleted is deleted).
    """
    stream_id, owner_id, channel = stream.id, stream.owner_id, stream.channel_ref
    session.delete(stream)
    session.flush()
    record_event(session, "stream_deleted", stream_id=stream_id, owner_id=owner_id)
    with contextlib.suppress(KeyError):
        provider.stop_channel(channel_ref=channel)


def recheck(platform: Platform, stream_id: int) -> None:
    """After the commit: connections on ``live:<id>`` check their access again."""
    if "realtime" not in platform.plugins.app_names():
        return
    from socialflow.realtime.brokers import Broker
    from socialflow.realtime.topics import RECHECK

    broker = platform.get(Broker)  # type: ignore[type-abstract]
    topic = f"live:{stream_id}"
    if broker.wants(topic):
        broker.publish(topic, RECHECK, {})
