"""Per-day reports of a campaign: impressions, clicks, CTR, spend, reach; CSV export.

CTR is computed in integer basis points and shown as a percentage string
(no floats in money or rates); spend is whole minor units counted.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.ads.models import AdReach, CampaignDay, table
from socialflow.ads.schemas import ReportRow

DAYS = table(CampaignDay)
REACH = table(AdReach)


def ctr(clicks: int, impressions: int) -> str:
    bps = clicks * 10_000 // impressions if impressions else 0
    return f"{bps // 100}.{bps % 100:02d}%"


def rows(session: Session, campaign_id: int) -> list[ReportRow]:
    reach = dict(
        session.execute(
            select(REACH.c.day, func.count())
            .where(REACH.c.campaign_id == campaign_id, REACH.c.impressions > 0)
            .group_by(REACH.c.day)
        ).all()
    )
    days = session.execute(
        select(DAYS).where(DAYS.c.campaign_id == campaign_id).order_by(DAYS.c.day)
    ).all()
    return [
        ReportRow(
            day=d.day.isoformat(),
            impressions=d.impressions,
            clicks=d.clicks,
            ctr=ctr(d.clicks, d.impressions),
            spend=d.spent_micros // 1000,
            reach=int(reach.get(d.day, 0)),
        )
        for d in days
    ]


def to_csv(report: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "impressions", "clicks", "ctr", "spend", "reach"])
    for r in report:
        writer.writerow([r.day, r.impressions, r.clicks, r.ctr, r.spend, r.reach])
    return out.getvalue()
