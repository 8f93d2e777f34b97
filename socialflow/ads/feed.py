"""Ads in home feeds, through the ``socialflow_feed_inserts`` hook (feeds import no ads).

One ad after every ``feed_interval`` posts of a page; each slot's creator
is the author of the post just before it (their share of the spend, their
opt-out), and that post's hashtags join the viewer's interests for the
auction. Slots with nothing eligible stay empty.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from socialflow.accounts import ages
from socialflow.ads import serving
from socialflow.ads.index import CampaignIndex
from socialflow.ads.settings import AdSettings
from socialflow.core.db.base import utcnow
from socialflow.core.platform import Platform

PLACEMENT = "home_feed"


def inserts(
    platform: Platform, viewer_id: int, items: list[dict[str, Any]], language: str | None
) -> list[dict[str, Any]]:
    settings = platform.get(AdSettings)
    every = settings.feed_interval
    positions = list(range(every, len(items) + 1, every))
    if not positions:
        return []
    before = [items[p - 1] for p in positions]
    with platform.engine.connect() as connection:
        post_ids = [int(item["id"]) for item in before]
        tags: dict[int, set[str]] = {}
        for post_id, tag in connection.execute(
            select(serving.HASHTAGS.c.post_id, serving.HASHTAGS.c.tag).where(
                serving.HASHTAGS.c.post_id.in_(post_ids)
            )
        ):
            tags.setdefault(int(post_id), set()).add(str(tag))
        slots = [
            serving.Slot(int(item["author"]["id"]), frozenset(tags.get(int(item["id"]), ())))
            for item in before
        ]
        now = utcnow()
        age = ages.age_of(connection, viewer_id, now.date())
        request = serving.base_request(connection, viewer_id, PLACEMENT, now, language, age)
        served = serving.fill(
            connection,
            platform.get(CampaignIndex),
            settings,
            platform.settings.secret(),
            request,
            slots,
        )
        shapes = serving.describe(served)
    return [
        {"position": position, "kind": "ad", "ad": shape}
        for position, shape in zip(positions, shapes, strict=True)
        if shape is not None
    ]
