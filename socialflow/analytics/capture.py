"""Raw analytics events, written in the transaction of the action they count.

:func:`capture_events` is a ``before_commit`` listener on the platform's
sessions (registered in ``socialflow_platform_start``). Just before a
transaction commits it turns that transaction's pending domain events (a
view beacon's ``video_watched``, ``liked``, ``followed``...) into rows of
``analytics_events`` and writes them with **one** multi-row ``INSERT``: no
read, no lookup (each event's payload already names the creator it counts
for), no second transaction. So an action is counted exactly when it
commits (a rollback leaves no row, a crash after the commit loses none), and
the hot path pays one batched insert per transaction that has something to
count, never a query per event. Everything else (hours, days, distinct
viewers, retention) is computed later by the rollup task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlmodel import Session

from socialflow.analytics.models import (
    ActiveUserDay,
    AnalyticsEvent,
    CreatorHour,
    VideoDropoffDay,
    VideoHour,
    VideoSourceDay,
)
from socialflow.core.effects import pending_events
from socialflow.plugins.specs import Event

EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]
SOURCES = frozenset({"feed", "search", "profile", "external", "direct", "other"})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _watched(p: dict[str, Any]) -> dict[str, Any]:
    position = p.get("position")
    source = p.get("source")
    return {
        "creator_id": _int(p.get("owner_id")),
        "actor_id": _int(p.get("viewer_id")),
        "video_id": str(p["video_id"]) if p.get("video_id") is not None else None,
        "viewer_key": str(p.get("viewer") or "")[:64] or None,
        "new_view": bool(p.get("new_view")),
        "watch_seconds": float(p.get("watch_seconds") or 0.0),
        "position": float(position) if isinstance(position, int | float) else None,
        "source": source if source in SOURCES else None,
    }


def _on_post(creator: str, actor: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def row(p: dict[str, Any]) -> dict[str, Any]:
        return {
            "creator_id": _int(p.get(creator)),
            "actor_id": _int(p.get(actor)),
            "post_id": _int(p.get("post_id")),
        }

    return row


def _between(creator: str, actor: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def row(p: dict[str, Any]) -> dict[str, Any]:
        return {"creator_id": _int(p.get(creator)), "actor_id": _int(p.get(actor))}

    return row


# Domain event -> (kind stored, how its payload maps to columns).
KINDS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "video_watched": ("view", _watched),
    "liked": ("like", _on_post("author_id", "user_id")),
    "unliked": ("unlike", _on_post("author_id", "user_id")),
    "commented": ("comment", _on_post("post_author_id", "author_id")),
    "shared": ("share", _on_post("author_id", "user_id")),
    "followed": ("follow", _between("followee_id", "follower_id")),
    "unfollowed": ("unfollow", _between("followee_id", "follower_id")),
    "post_created": ("post", _on_post("author_id", "author_id")),
    "video_created": ("upload", _between("owner_id", "owner_id")),
    "user_registered": ("signup", _between("user_id", "user_id")),
}
COLUMNS = (
    "creator_id",
    "actor_id",
    "video_id",
    "post_id",
    "viewer_key",
    "new_view",
    "watch_seconds",
    "position",
    "source",
)
DEFAULTS: dict[str, Any] = dict.fromkeys(COLUMNS) | {"new_view": False, "watch_seconds": 0.0}


def to_row(event: Event) -> dict[str, Any] | None:
    """The ``analytics_events`` row of ``event``, or None if it counts for nothing."""
    known = KINDS.get(event.name)
    if known is None:
        return None
    kind, mapper = known
    return {
        **DEFAULTS,
        **mapper(event.payload),
        "kind": kind,
        "occurred_at": event.occurred_at,
        "rolled": False,
    }


def capture_events(session: Session) -> None:
    """``before_commit`` listener: one batched insert of this transaction's countable events."""
    events = pending_events(session)
    rows = [row for row in map(to_row, events) if row is not None]
    if rows:
        session.execute(insert(EVENTS), rows)
    for event in events:
        if event.name == "user_deleted" and _int(event.payload.get("user_id")) is not None:
            forget_user(session, event.payload["user_id"])


def forget_user(session: Session, user_id: int) -> None:
    """Delete the analytics rows that name ``user_id`` (an account being deleted)."""
    videos = VideoHour.__table__  # type: ignore[attr-defined]
    owned = select(videos.c.video_id).where(videos.c.creator_id == user_id).distinct()
    sources = VideoSourceDay.__table__  # type: ignore[attr-defined]
    dropoffs = VideoDropoffDay.__table__  # type: ignore[attr-defined]
    for table in (sources, dropoffs):
        session.execute(delete(table).where(table.c.video_id.in_(owned)))
    session.execute(delete(videos).where(videos.c.creator_id == user_id))
    creators = CreatorHour.__table__  # type: ignore[attr-defined]
    session.execute(delete(creators).where(creators.c.creator_id == user_id))
    active = ActiveUserDay.__table__  # type: ignore[attr-defined]
    session.execute(delete(active).where(active.c.user_id == user_id))
    session.execute(
        delete(EVENTS).where(or_(EVENTS.c.actor_id == user_id, EVENTS.c.creator_id == user_id))
    )
