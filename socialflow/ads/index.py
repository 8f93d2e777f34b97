"""The serving snapshot: live campaigns read from the database, reused for a moment.

Each process keeps one :class:`~socialflow.ads.engine.Snapshot` and rebuilds
it when it is older than ``index_refresh_seconds`` or the UTC day changed;
spend counted in this process is added to it at once
(:meth:`Snapshot.note_spend`), spend counted elsewhere is seen at the next
rebuild. Budgets are enforced again, exactly, when an event is counted.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from socialflow.ads.engine import MICROS, LiveCampaign, Rules, Snapshot, effective_cpm
from socialflow.ads.models import Campaign, CampaignDay, table
from socialflow.ads.settings import AdSettings

CAMPAIGNS = table(Campaign)
DAYS = table(CampaignDay)


def rules_of(settings: AdSettings) -> Rules:
    return Rules(
        pacing_slack_seconds=settings.pacing_slack_seconds,
        frequency_cap=settings.frequency_cap,
        ctr_bps=settings.default_ctr_bps,
        floor_ecpm=settings.min_bid,
    )


def load(connection: Connection, settings: AdSettings, now: datetime) -> Snapshot:
    """A snapshot of the active campaigns and their spend on ``now``'s day."""
    day = now.date()
    rows = connection.execute(
        select(CAMPAIGNS).where(
            CAMPAIGNS.c.status == "active",
            CAMPAIGNS.c.spent_micros < CAMPAIGNS.c.total_budget * MICROS,
        )
    ).all()
    live = [
        LiveCampaign(
            id=r.id,
            advertiser_id=r.advertiser_id,
            currency=r.currency,
            bid_type=r.bid_type,
            bid=r.bid,
            ecpm=effective_cpm(r.bid_type, r.bid, settings.default_ctr_bps),
            daily_micros=r.daily_budget * MICROS,
            total_micros=r.total_budget * MICROS,
            starts_at=r.starts_at.timestamp(),
            ends_at=r.ends_at.timestamp() if r.ends_at else None,
            placements=frozenset(r.placements),
            hashtags=frozenset(r.hashtags),
            languages=frozenset(r.languages),
            frequency_cap=r.frequency_cap or settings.frequency_cap,
            min_age=r.min_age or 0,
            headline=r.headline,
            creative_kind=r.creative_kind,
            creative_id=r.creative_id,
            click_url=r.click_url,
        )
        for r in rows
    ]
    today = {
        int(cid): int(spent)
        for cid, spent in connection.execute(
            select(DAYS.c.campaign_id, DAYS.c.spent_micros).where(DAYS.c.day == day)
        )
    }
    totals = {r.id: int(r.spent_micros) for r in rows}
    return Snapshot.build(day, live, today, totals)


class CampaignIndex:
    """The process's snapshot, rebuilt when stale (one rebuild at a time)."""

    def __init__(self, settings: AdSettings) -> None:
        self.settings = settings
        self.rules = rules_of(settings)
        self._snapshot: Snapshot | None = None
        self._built = 0.0
        self._lock = threading.Lock()

    def _usable(self, now: datetime) -> Snapshot | None:
        snapshot = self._snapshot
        fresh = time.monotonic() - self._built < self.settings.index_refresh_seconds
        if snapshot is not None and fresh and snapshot.day == now.date():
            return snapshot
        return None

    def get(self, connection: Connection, now: datetime) -> Snapshot:
        """The snapshot, rebuilt by one thread when stale.

        While one request rebuilds it, the others keep deciding on the stale
        one of the same day (seconds old) instead of queueing behind the lock
        and rebuilding it again each in turn.
        """
        snapshot = self._usable(now)
        if snapshot is not None:
            return snapshot
        stale = self._snapshot
        if stale is not None and stale.day == now.date():
            if not self._lock.acquire(blocking=False):
                return stale
        else:
            self._lock.acquire()
        try:
            snapshot = self._usable(now)
            if snapshot is None:
                snapshot = load(connection, self.settings, now)
                self._snapshot = snapshot
                self._built = time.monotonic()
            return snapshot
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        """Rebuild on next use (a campaign changed status in this process)."""
        self._built = 0.0

    def note_spend(self, campaign_id: int, micros: int) -> None:
        """Spend this process just counted, seen by its next decisions at once."""
        if self._snapshot is not None:
            self._snapshot.note_spend(campaign_id, micros)
