"""Where and on what content was watched: countries, regions, devices, browsers.

Read from the daily rollups (``analytics_video_geo``, ``analytics_video_agents``),
for one video or across a creator's videos. Countries come only from a header a
trusted proxy sets (``country_header`` in ``[plugin.analytics]``); without one
every view is ``unknown``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import desc, func, select
from sqlmodel import Session

from socialflow.analytics.models import VideoAgentDay, VideoGeoDay

GEO = VideoGeoDay.__table__  # type: ignore[attr-defined]
AGENTS = VideoAgentDay.__table__  # type: ignore[attr-defined]


def _scope(table: Any, *, first: date, last: date, video_id: str | None, creator_id: int) -> Any:
    where = [table.c.creator_id == creator_id, table.c.day >= first, table.c.day <= last]
    if video_id is not None:
        where.append(table.c.video_id == video_id)
    return where


def audience(
    session: Session, *, creator_id: int, first: date, last: date, video_id: str | None = None
) -> dict[str, Any]:
    """Views (and watch time for places) by country, region, device, OS and browser,
    most viewed first."""
    where = _scope(GEO, first=first, last=last, video_id=video_id, creator_id=creator_id)
    views = func.sum(GEO.c.views).label("views")
    watched = func.sum(GEO.c.watch_seconds).label("watch_seconds")
    countries = session.execute(
        select(GEO.c.country, views, watched)
        .where(*where)
        .group_by(GEO.c.country)
        .order_by(desc("views"), GEO.c.country)
    ).all()
    regions = session.execute(
        select(GEO.c.country, GEO.c.region, views, watched)
        .where(*where, GEO.c.region != "")
        .group_by(GEO.c.country, GEO.c.region)
        .order_by(desc("views"), GEO.c.country, GEO.c.region)
    ).all()
    out: dict[str, Any] = {
        "countries": [
            {"country": c, "views": int(v or 0), "watch_seconds": float(w or 0.0)}
            for c, v, w in countries
        ],
        "regions": [
            {"country": c, "region": r, "views": int(v or 0), "watch_seconds": float(w or 0.0)}
            for c, r, v, w in regions
        ],
    }
    agent_where = _scope(AGENTS, first=first, last=last, video_id=video_id, creator_id=creator_id)
    for column, key in (
        ("device", "devices"),
        ("os", "operating_systems"),
        ("browser", "browsers"),
    ):
        rows = session.execute(
            select(AGENTS.c[column], func.sum(AGENTS.c.views).label("views"))
            .where(*agent_where)
            .group_by(AGENTS.c[column])
            .order_by(desc("views"), AGENTS.c[column])
        ).all()
        out[key] = [{"name": name, "views": int(count or 0)} for name, count in rows]
    return out
