"""From the feeds and the social app's events to log rows (buffered, see :mod:`logbook`)."""

from __future__ import annotations

from socialflow.core.platform import Platform
from socialflow.plugins.specs import Event
from socialflow.recommendations import logbook
from socialflow.recommendations.ab import NAME as AB
from socialflow.recommendations.ab import assign
from socialflow.recommendations.models import LIKED, SHARED, SHOWN
from socialflow.recommendations.settings import recommendation_settings

ENGAGEMENTS = {"liked": LIKED, "shared": SHARED}


def feed_served(
    platform: Platform, feed: str, viewer_id: int | None, ranker: str, post_ids: list[int]
) -> None:
    """Log a built page's impressions, in order (an A/B page under its arm's name)."""
    if ranker == AB:
        config = recommendation_settings(platform)
        ranker = assign(viewer_id, config.ab_arms, config.ab_salt)
    rows = [
        logbook.row(SHOWN, post_id, user_id=viewer_id, surface=feed, position=i, ranker=ranker)
        for i, post_id in enumerate(post_ids)
    ]
    platform.get(logbook.LogBuffer).add(rows)


def engagement(platform: Platform, event: Event) -> None:
    """Log a like or share heard as an event."""
    kind = ENGAGEMENTS.get(event.name)
    payload = event.payload
    post_id, user_id = payload.get("post_id"), payload.get("user_id")
    if kind is None or not isinstance(post_id, int) or not isinstance(user_id, int):
        return
    author = payload.get("author_id")
    platform.get(logbook.LogBuffer).add(
        [
            logbook.row(
                kind,
                post_id,
                user_id=user_id,
                author_id=author if isinstance(author, int) else None,
            )
        ]
    )
