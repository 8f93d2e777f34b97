"""Live viewers over the realtime hub: following ``live:<stream id>`` is watching.

The live app registers the ``live`` topic kind with the realtime app
(:mod:`socialflow.realtime.topic_kinds`): anyone who may see the stream may
follow its topic, and each connection joining or leaving it moves the counts.
Presence is kept in the database (:class:`~socialflow.live.models.LiveViewer`,
one row per user and stream with the number of their open connections), so
every API process counts into the same numbers, on SQLite and PostgreSQL
alike, without Redis. A signed-in user counts once however many devices
they watch on.

Each change records a ``live_viewers_changed`` event (the counts, the
stream's owner, the user and +1 or -1) that the analytics app turns into
audience statistics. After each change the stream's topic gets a ``viewers`` frame
(``{"stream_id", "viewer_count", "peak_viewers", "total_viewers"}``).
Counts go to 0 when the stream leaves ``live``; connections an API process
lost by crashing are forgotten then.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select, update
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core.db.sqlutil import insert_ignore_key
from socialflow.core.effects import record_event
from socialflow.core.errors import NotFound
from socialflow.core.platform import Platform
from socialflow.live.access import banned_for_good
from socialflow.live.models import LiveStream, LiveViewer
from socialflow.live.streams import get_visible_stream

VIEWERS = LiveViewer.__table__  # type: ignore[attr-defined]
STREAMS = LiveStream.__table__  # type: ignore[attr-defined]
KIND = "live"
FRAME = "viewers"


def register_topic(platform: Platform) -> None:
    """Add the ``live`` topic kind to the realtime app of ``platform`` (if it is on)."""
    if "realtime" not in platform.plugins.app_names():
        return
    from socialflow.realtime.topic_kinds import TopicKind, topic_kinds

    topic_kinds(platform).register(
        TopicKind(
            KIND,
            may_follow=lambda user_id, stream_id: may_watch(platform, user_id, stream_id),
            joined=lambda user_id, stream_id, _c: change(platform, stream_id, user_id, +1),
            left=lambda user_id, stream_id, _c: change(platform, stream_id, user_id, -1),
        )
    )


def may_watch(platform: Platform, user_id: int, stream_id: int) -> bool:
    """Whoever may see the stream, unless banned from its chat for good (the topic carries it)."""
    with platform.session(read_only=True) as session:
        viewer = session.get(User, user_id)
        try:
            stream = get_visible_stream(session, stream_id=stream_id, viewer=viewer)
        except NotFound:
            return False
        return user_id == stream.owner_id or not banned_for_good(session, stream_id, user_id)


def change(platform: Platform, stream_id: int, user_id: int, delta: int) -> dict[str, int]:
    """One connection of ``user_id`` joined (+1) or left (-1); the counts now, published.

    Commits: called by the realtime hub outside any request, in a session of
    its own; the frame goes out after the commit.
    """
    with platform.session() as session:
        if delta > 0:
            insert_ignore_key(
                session, VIEWERS, {"stream_id": stream_id, "user_id": user_id, "connections": 0}
            )
        where = and_(VIEWERS.c.stream_id == stream_id, VIEWERS.c.user_id == user_id)
        if delta < 0:
            where = and_(where, VIEWERS.c.connections > 0)
        session.execute(
            update(VIEWERS).where(where).values(connections=VIEWERS.c.connections + delta)
        )
        counts = recount(session, stream_id)
        # For listeners such as the analytics app (peaks and when, joins): after the counts.
        owner_id = session.execute(
            select(STREAMS.c.owner_id).where(STREAMS.c.id == stream_id)
        ).scalar()
        if owner_id is None:  # the stream was deleted: no one to count for
            session.commit()
            return counts
        record_event(
            session,
            "live_viewers_changed",
            owner_id=owner_id,
            user_id=user_id,
            delta=delta,
            **counts,
        )
        session.commit()
    _publish(platform, stream_id, counts)
    return counts


def recount(session: Session, stream_id: int) -> dict[str, int]:
    """Write the stream's viewer, peak and total counts from its viewer rows."""
    watching = session.execute(
        select(func.count()).where(VIEWERS.c.stream_id == stream_id, VIEWERS.c.connections > 0)
    ).scalar_one()
    total = session.execute(
        select(func.count()).where(VIEWERS.c.stream_id == stream_id)
    ).scalar_one()
    status = session.execute(select(STREAMS.c.status).where(STREAMS.c.id == stream_id)).scalar()
    if status != "live":
        watching = 0  # an idle or ended stream has no one watching it live
    session.execute(
        update(STREAMS)
        .where(STREAMS.c.id == stream_id)
        .values(
            viewer_count=watching,
            total_viewers=total,
            peak_viewers=func.max(STREAMS.c.peak_viewers, watching)
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(STREAMS.c.peak_viewers, watching),
        )
    )
    peak = session.execute(select(STREAMS.c.peak_viewers).where(STREAMS.c.id == stream_id)).scalar()
    return {
        "stream_id": stream_id,
        "viewer_count": int(watching),
        "peak_viewers": int(peak or 0),
        "total_viewers": int(total),
    }


def _publish(platform: Platform, stream_id: int, counts: dict[str, int]) -> None:
    from socialflow.realtime.brokers import Broker

    platform.get(Broker).publish(f"{KIND}:{stream_id}", FRAME, counts)  # type: ignore[type-abstract]
