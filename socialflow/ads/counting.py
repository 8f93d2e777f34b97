"""Counting impressions and clicks from tracking tokens, honestly.

In order, in the caller's transaction:

1. a token is used once per kind (impression, click): a second use is a
   replay, refused with a 409 (``ad_token_uses``);
2. one event per viewer, campaign, placement and kind counts per
   ``dedup_window_seconds`` window: a duplicate is accepted and not counted;
3. an impression beyond the campaign's frequency cap for that viewer that
   day is accepted and not counted;
4. the price (impressions of CPM campaigns, clicks of CPC ones) is added to
   the campaign's spend only while it stays within the daily and total
   budgets (a conditional UPDATE): spend never passes a budget, and an
   event that would is counted but not billed;
5. the creator beside whose content the ad ran accrues their share, unless
   they opted out.

The ledger sees the spend later, in batches (:mod:`socialflow.ads.batches`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialflow.ads.engine import MICROS
from socialflow.ads.models import (
    AdDedup,
    AdReach,
    AdTokenUse,
    Campaign,
    CampaignDay,
    CreatorOptOut,
    CreatorShare,
    table,
)
from socialflow.ads.settings import AdSettings
from socialflow.ads.tokens import TokenClaims
from socialflow.core.errors import Conflict

CAMPAIGNS = table(Campaign)
DAYS = table(CampaignDay)
REACH = table(AdReach)
USES = table(AdTokenUse)
DEDUP = table(AdDedup)
SHARES = table(CreatorShare)


class ReplayedToken(Conflict):
    slug, title = "replayed-ad-token", "Tracking token already used"


@dataclass(frozen=True)
class Outcome:
    counted: bool
    billed_micros: int
    reason: str  # counted | duplicate | frequency-cap | over-budget


def _insert_once(session: Session, statement: Any) -> bool:
    """Run an INSERT in a savepoint: False when the row exists already."""
    try:
        with session.begin_nested():
            session.execute(statement)
        return True
    except IntegrityError:
        return False


def _bump(session: Session, tbl: Any, key: dict[str, Any], column: str, by: int) -> None:
    """Add ``by`` to a counter, creating its row on first use (an UPDATE first: the row
    usually exists; a concurrent creator's row wins the INSERT and is updated)."""
    where = [tbl.c[k] == v for k, v in key.items()]
    change = update(tbl).where(*where).values({column: tbl.c[column] + by})
    if not _changed(session, change) and not _insert_once(
        session, insert(tbl).values(**key, **{column: by})
    ):
        session.execute(change)


def _changed(session: Session, statement: Any) -> bool:
    """Run a conditional UPDATE: True when it changed exactly one row."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _bill(session: Session, campaign: Any, day: date, cost: int) -> bool:
    """Add ``cost`` micros to the campaign's spend if both budgets still allow it."""
    done = _changed(
        session,
        update(DAYS)
        .where(
            DAYS.c.campaign_id == campaign.id,
            DAYS.c.day == day,
            DAYS.c.spent_micros + cost <= campaign.daily_budget * MICROS,
        )
        .values(spent_micros=DAYS.c.spent_micros + cost),
    )
    if not done:
        return False
    total = _changed(
        session,
        update(CAMPAIGNS)
        .where(
            CAMPAIGNS.c.id == campaign.id,
            CAMPAIGNS.c.spent_micros + cost <= CAMPAIGNS.c.total_budget * MICROS,
        )
        .values(spent_micros=CAMPAIGNS.c.spent_micros + cost),
    )
    if not total:
        session.execute(
            update(DAYS)
            .where(DAYS.c.campaign_id == campaign.id, DAYS.c.day == day)
            .values(spent_micros=DAYS.c.spent_micros - cost)
        )
        return False
    return True


def _accrue_share(
    session: Session, settings: AdSettings, creator_id: int, currency: str, cost: int
) -> None:
    share = cost * settings.creator_share_bps // 10_000
    if not creator_id or share == 0 or session.get(CreatorOptOut, creator_id) is not None:
        return
    _bump(
        session, SHARES, {"creator_id": creator_id, "currency": currency}, "accrued_micros", share
    )


def record(
    session: Session, settings: AdSettings, claims: TokenClaims, kind: str, now: datetime
) -> Outcome:
    """Count one impression or click of a verified token (the caller commits)."""
    campaign = session.get(Campaign, claims.campaign_id)
    fresh = _insert_once(
        session,
        insert(USES).values(
            nonce=claims.nonce, kind=kind, campaign_id=claims.campaign_id, created_at=now
        ),
    )
    if not fresh:
        raise ReplayedToken("This tracking token was already used.")
    if campaign is None:
        return Outcome(False, 0, "ended")
    window = int(now.timestamp()) // settings.dedup_window_seconds
    first = _insert_once(
        session,
        insert(DEDUP).values(
            campaign_id=campaign.id,
            viewer_id=claims.viewer_id,
            placement=claims.placement,
            kind=kind,
            window=window,
        ),
    )
    if not first:
        return Outcome(False, 0, "duplicate")
    day = now.date()
    if kind == "impression":
        cap = min(settings.frequency_cap, campaign.frequency_cap or settings.frequency_cap)
        reach = {"campaign_id": campaign.id, "day": day, "viewer_id": claims.viewer_id}
        under_cap = _changed(
            session,
            update(REACH)
            .where(*[REACH.c[k] == v for k, v in reach.items()], REACH.c.impressions < cap)
            .values(impressions=REACH.c.impressions + 1),
        ) or _insert_once(session, insert(REACH).values(**reach, impressions=1))
        if not under_cap:
            return Outcome(False, 0, "frequency-cap")
    _bump(session, DAYS, {"campaign_id": campaign.id, "day": day}, f"{kind}s", 1)
    billable = (kind == "impression") == (campaign.bid_type == "cpm")
    cost = claims.price_micros if billable else 0
    if cost and not _bill(session, campaign, day, cost):
        return Outcome(True, 0, "over-budget")
    if cost:
        _accrue_share(session, settings, claims.creator_id, campaign.currency, cost)
    return Outcome(True, cost, "counted")
