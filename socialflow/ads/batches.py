"""The spend batch (Celery beat, every ``batch_interval`` seconds).

Posts counted spend to the ledger: one entry per campaign and day for the
whole minor units counted since the last batch (the micros below one minor
unit wait for the next), then each creator's accrued share. Rows are locked
(``FOR UPDATE SKIP LOCKED``) and every entry is keyed by the offset it
starts from, so two batches at once, or one run twice, post each amount
once. Campaigns whose total budget is spent or whose schedule ended are
ended here, with an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlmodel import Session

from socialflow.ads import campaigns, money
from socialflow.ads.engine import MICROS
from socialflow.ads.models import Campaign, CampaignDay, CreatorShare, table
from socialflow.core.db.base import utcnow

CAMPAIGNS = table(Campaign)
DAYS = table(CampaignDay)
SHARES = table(CreatorShare)


@dataclass
class BatchReport:
    spend_entries: int = 0
    spend_minor: int = 0
    share_entries: int = 0
    ended: int = 0


def post_spend(session: Session, report: BatchReport) -> None:
    rows = session.execute(
        select(DAYS.c.campaign_id, DAYS.c.day, DAYS.c.spent_micros, DAYS.c.posted_micros)
        .where(DAYS.c.spent_micros - DAYS.c.posted_micros >= MICROS)
        .with_for_update(skip_locked=True)
    ).all()
    for campaign_id, day, spent, posted in rows:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        amount = (spent - posted) // MICROS
        money.spend(
            session,
            campaign_id=campaign_id,
            advertiser_id=campaign.advertiser_id,
            day=day.isoformat(),
            offset=posted,
            amount=amount,
            currency=campaign.currency,
        )
        session.execute(
            update(DAYS)
            .where(DAYS.c.campaign_id == campaign_id, DAYS.c.day == day)
            .values(posted_micros=DAYS.c.posted_micros + amount * MICROS)
        )
        report.spend_entries += 1
        report.spend_minor += amount


def post_shares(session: Session, report: BatchReport) -> None:
    rows = session.execute(
        select(
            SHARES.c.creator_id, SHARES.c.currency, SHARES.c.accrued_micros, SHARES.c.posted_micros
        )
        .where(SHARES.c.accrued_micros - SHARES.c.posted_micros >= MICROS)
        .with_for_update(skip_locked=True)
    ).all()
    for creator_id, currency, accrued, posted in rows:
        amount = (accrued - posted) // MICROS
        money.creator_share(
            session, creator_id=creator_id, offset=posted, amount=amount, currency=currency
        )
        session.execute(
            update(SHARES)
            .where(SHARES.c.creator_id == creator_id, SHARES.c.currency == currency)
            .values(posted_micros=SHARES.c.posted_micros + amount * MICROS)
        )
        report.share_entries += 1


def end_finished(session: Session, report: BatchReport) -> None:
    now = utcnow()
    done = session.scalars(
        select(Campaign).where(
            CAMPAIGNS.c.status.in_(("active", "paused")),
            or_(
                CAMPAIGNS.c.spent_micros >= CAMPAIGNS.c.total_budget * MICROS,
                CAMPAIGNS.c.ends_at <= now,
            ),
        )
    ).all()
    for campaign in done:
        campaigns.transition(session, campaign, "end", actor_id=None, reason="budget or schedule")
        report.ended += 1


def run(session: Session) -> BatchReport:
    """One batch in the caller's transaction (the caller commits)."""
    report = BatchReport()
    post_spend(session, report)
    post_shares(session, report)
    end_finished(session, report)
    return report
