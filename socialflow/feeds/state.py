"""What the feeds app keeps per platform, attached when the platform starts.

The generations (counters that tell cached pages and token checks they went
stale; with Redis or PostgreSQL a listener thread shared by every process),
the feed cache stamped with them, the timeline store (Redis or SQL) and the
celebrity set. Account and session changes move a user's counter when they
commit, and every committed event moves the counters it touches.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from socialflow.core.platform import Platform
from socialflow.feeds.cache import FeedCache, build_feed_cache
from socialflow.feeds.generation_events import (
    bump_for_events,
    note_account_changes,
    take_account_changes,
)
from socialflow.feeds.generations import Generations, make_generations
from socialflow.feeds.pages import CelebrityCache
from socialflow.feeds.timelines import TimelineStore, build_timeline_store, close_timeline_store
from socialflow.plugins.specs import Event

logger = logging.getLogger(__name__)


def attach_feed_state(platform: Platform) -> None:
    """Attach the feeds app's per-platform objects and listeners to a starting ``platform``."""
    settings = platform.settings
    platform.attach(
        Generations,
        lambda: make_generations(settings),
        close=lambda generations: generations.close(),
    )
    platform.attach(
        FeedCache,
        lambda: build_feed_cache(settings, shared_bumps=platform.get(Generations).broadcast),
    )
    platform.attach(
        TimelineStore,
        lambda: build_timeline_store(settings),
        close=close_timeline_store,
    )
    platform.attach(CelebrityCache, CelebrityCache)
    platform.listen_sessions("before_flush", note_account_changes)
    platform.listen_sessions("after_rollback", take_account_changes)

    def bump_after_commit(session: Session, events: list[Event]) -> None:
        accounts = take_account_changes(session)
        generations = platform.get(Generations)
        if accounts:
            generations.bump(accounts)
        if events:
            bump_for_events(generations, events)

    platform.on_commit(bump_after_commit)
