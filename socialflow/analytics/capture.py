"""Raw analytics events: the rows a committed transaction's domain events make.

A view beacon's ``video_watched``, a ``liked``, a ``followed``... each becomes a
row of ``analytics_events`` (no read, no lookup: each event's payload already
names the creator it counts for). Two ways in:

* in a process serving HTTP, :func:`buffer_committed` (a commit observer) hands
  the rows of each **committed** transaction to the process's
  :class:`~socialflow.analytics.buffer.EventBuffer`, which writes them in large
  batches off the request (a rollback leaves no row; a killed process loses
  what waited, up to ``flush_interval`` seconds; a clean stop loses nothing);
* elsewhere (workers, CLI commands, seeding), :func:`capture_events`, a
  ``before_commit`` listener, writes them with one multi-row ``INSERT`` in the
  transaction itself, so they commit or roll back with it.

Everything else (hours, days, distinct viewers, retention) is computed later by
the rollup task.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlmodel import Session

from socialflow.analytics.buffer import EventBuffer
from socialflow.analytics.models import (
    ActiveUserDay,
    AnalyticsEvent,
    CreatorDay,
    CreatorHour,
    LiveHour,
    VideoAgentDay,
    VideoDay,
    VideoDropoffDay,
    VideoGeoDay,
    VideoHour,
    VideoSourceDay,
)
from socialflow.analytics.settings import AnalyticsSettings
from socialflow.core.effects import pending_events
from socialflow.core.http.request_facts import current_request
from socialflow.plugins.specs import Event

EVENTS = AnalyticsEvent.__table__  # type: ignore[attr-defined]
INSERT = insert(EVENTS)
SOURCES = frozenset({"feed", "search", "profile", "external", "direct", "other"})
COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z0-9]{1,16}$")
# Codes proxies send for "no country" (Cloudflare: XX unknown, T1 Tor).
NO_COUNTRY = frozenset({"XX", "T1", "ZZ"})


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


def _live(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "creator_id": _int(p.get("owner_id")),
        "actor_id": _int(p.get("user_id")) if _int(p.get("delta")) == 1 else None,
        "stream_id": _int(p.get("stream_id")),
        "live_viewers": _int(p.get("viewer_count")),
        "live_total": _int(p.get("total_viewers")),
        # A join is a new connection: +1; a leave -1.
        "new_view": _int(p.get("delta")) == 1,
    }


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
    "live_viewers_changed": ("live", _live),
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
    "country",
    "region",
    "user_agent",
    "stream_id",
    "live_viewers",
    "live_total",
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


def block_rows(event: Event) -> list[dict[str, Any]]:
    """The follows a block cut (the ``blocked`` event names them), as lost follows."""
    cut = event.payload.get("follows_cut")
    rows = []
    for pair in cut if isinstance(cut, list) else []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            follower, followee = _int(pair[0]), _int(pair[1])
            if follower is not None and followee is not None:
                rows.append(
                    {
                        **DEFAULTS,
                        "kind": "block_unfollow",
                        "creator_id": followee,
                        "actor_id": _int(event.payload.get("blocker_id")),
                        "occurred_at": event.occurred_at,
                        "rolled": False,
                    }
                )
    return rows


def where_and_what(settings: AnalyticsSettings) -> dict[str, Any]:
    """Country and region (from the configured headers, only through a trusted proxy)
    and the User-Agent of the request being served; empty outside a request."""
    request = current_request()
    if request is None:
        return {}
    out: dict[str, Any] = {}
    agent = request.header("user-agent")
    if agent:
        out["user_agent"] = agent[:256]
    if request.via_trusted_proxy and settings.country_header:
        country = (request.header(settings.country_header) or "").strip().upper()
        if COUNTRY.match(country) and country not in NO_COUNTRY:
            out["country"] = country
            if settings.region_header:
                region = (request.header(settings.region_header) or "").strip().upper()
                if REGION.match(region):
                    out["region"] = region
    return out


def rows_of(events: list[Event], settings: AnalyticsSettings | None) -> list[dict[str, Any]]:
    """The ``analytics_events`` rows of ``events`` (views with the request's place and agent)."""
    rows: list[dict[str, Any]] = []
    context: dict[str, Any] | None = None
    for event in events:
        if event.name == "blocked":
            rows.extend(block_rows(event))
            continue
        row = to_row(event)
        if row is None:
            continue
        if row["kind"] == "view" and settings is not None:
            if context is None:
                context = where_and_what(settings)
            row.update(context)
        rows.append(row)
    return rows


def capture_events(
    session: Session,
    settings: AnalyticsSettings | None = None,
    buffer: EventBuffer | None = None,
) -> None:
    """``before_commit`` listener: this transaction's countable events in one batched
    insert, unless ``buffer`` takes them after the commit (an API process)."""
    events = pending_events(session)
    if buffer is None or not buffer.enabled:
        rows = rows_of(events, settings)
        if rows:
            # On the connection, not through the ORM session: the same transaction, without
            # the ORM's bulk-insert bookkeeping.
            session.connection().execute(INSERT, rows)
    for event in events:
        if event.name == "user_deleted" and _int(event.payload.get("user_id")) is not None:
            if buffer is not None:
                buffer.discard(_not_naming(event.payload["user_id"]))
            forget_user(session, event.payload["user_id"])


def buffer_committed(
    buffer: EventBuffer, events: list[Event], settings: AnalyticsSettings | None
) -> None:
    """Commit observer: queue a committed transaction's rows on ``buffer`` (when enabled)."""
    if buffer.enabled:
        buffer.add(rows_of(events, settings))


def _not_naming(user_id: int) -> Callable[[dict[str, Any]], bool]:
    def keep(row: dict[str, Any]) -> bool:
        return row.get("actor_id") != user_id and row.get("creator_id") != user_id

    return keep


def forget_user(session: Session, user_id: int) -> None:
    """Delete the analytics rows that name ``user_id`` (an account being deleted)."""
    videos = VideoHour.__table__  # type: ignore[attr-defined]
    owned = select(videos.c.video_id).where(videos.c.creator_id == user_id).distinct()
    sources = VideoSourceDay.__table__  # type: ignore[attr-defined]
    dropoffs = VideoDropoffDay.__table__  # type: ignore[attr-defined]
    for table in (sources, dropoffs):
        session.execute(delete(table).where(table.c.video_id.in_(owned)))
    for model in (VideoGeoDay, VideoAgentDay, LiveHour, VideoDay, CreatorDay):
        by_creator = model.__table__  # type: ignore[union-attr]
        session.execute(delete(by_creator).where(by_creator.c.creator_id == user_id))
    session.execute(delete(videos).where(videos.c.creator_id == user_id))
    creators = CreatorHour.__table__  # type: ignore[attr-defined]
    session.execute(delete(creators).where(creators.c.creator_id == user_id))
    active = ActiveUserDay.__table__  # type: ignore[attr-defined]
    session.execute(delete(active).where(active.c.user_id == user_id))
    session.execute(
        delete(EVENTS).where(or_(EVENTS.c.actor_id == user_id, EVENTS.c.creator_id == user_id))
    )
