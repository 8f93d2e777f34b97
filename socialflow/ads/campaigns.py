"""Campaigns: creation, the review before serving, and status changes with an audit trail.

Statuses and who moves them:

=================  ==========================  =======================
from               to                          by
=================  ==========================  =======================
draft, rejected    pending_review (submit)     the advertiser
pending_review     active (approve), rejected  a moderator
active             paused                      the advertiser
paused             active (resume)             the advertiser
any but ended      ended                       the advertiser, or the
                                               spend batch when the
                                               budget or schedule ends
=================  ==========================  =======================

Every change writes a :class:`CampaignEvent`. A campaign may go live
(submit, approve, resume) only while its advertiser's funds cover what
every live campaign of theirs may still spend: the prepaid balance never
goes below zero.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.ads import money
from socialflow.ads.engine import MICROS
from socialflow.ads.models import Advertiser, Campaign, CampaignDay, CampaignEvent, table
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.social.models import MediaImage
from socialflow.video.models import Video, VideoStatus

CAMPAIGNS = table(Campaign)
DAYS = table(CampaignDay)
LIVE = ("pending_review", "active", "paused")
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    # action: {from status: ..., "to": (status,)}
    "submit": {"from": ("draft", "rejected"), "to": ("pending_review",)},
    "approve": {"from": ("pending_review",), "to": ("active",)},
    "reject": {"from": ("pending_review",), "to": ("rejected",)},
    "pause": {"from": ("active",), "to": ("paused",)},
    "resume": {"from": ("paused",), "to": ("active",)},
    "end": {"from": ("draft", "pending_review", "active", "paused", "rejected"), "to": ("ended",)},
}
ADVERTISER_ACTIONS = frozenset({"submit", "pause", "resume", "end"})
MODERATOR_ACTIONS = frozenset({"approve", "reject"})


def check_creative(session: Session, owner_id: int, kind: str, creative_id: str) -> None:
    """The creative is the advertiser's own ready video or uploaded image."""
    if kind == "video":
        video = session.get(Video, creative_id)
        if video is None or video.owner_id != owner_id:
            raise ValidationProblem("No such video of yours.", slug="bad-creative")
        if video.status != VideoStatus.ready.value:
            raise ValidationProblem("That video is not ready yet.", slug="creative-not-ready")
    else:
        image = session.get(MediaImage, creative_id)
        if image is None or image.owner_id != owner_id:
            raise ValidationProblem("No such image of yours.", slug="bad-creative")


def create(session: Session, advertiser: Advertiser, **fields: object) -> Campaign:
    """A draft campaign in the advertiser's currency (validated fields from the schema)."""
    check_creative(
        session, advertiser.user_id, str(fields["creative_kind"]), str(fields["creative_id"])
    )
    total, daily = int(str(fields["total_budget"])), int(str(fields["daily_budget"]))
    if daily > total:
        raise ValidationProblem("The daily budget exceeds the total.", slug="bad-budget")
    starts_at = fields.get("starts_at") or utcnow()
    ends_at = fields.get("ends_at")
    assert isinstance(starts_at, datetime)
    if isinstance(ends_at, datetime) and ends_at <= starts_at:
        raise ValidationProblem("The campaign ends before it starts.", slug="bad-schedule")
    campaign = Campaign(
        **{**fields, "starts_at": starts_at},  # type: ignore[arg-type]
        advertiser_id=advertiser.user_id,
        currency=advertiser.currency,
    )
    session.add(campaign)
    session.flush()
    _audit(session, campaign, None, "", "draft", "created")
    return campaign


def get_own(session: Session, user: User, campaign_id: int) -> Campaign:
    """The caller's campaign (another's is a 404, as one that does not exist)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.advertiser_id != user.id:
        raise NotFound("No such campaign.")
    return campaign


def unposted_micros(session: Session, advertiser_id: int) -> int:
    """Spend counted for the advertiser's campaigns but not yet in the ledger."""
    total = session.scalar(
        select(func.coalesce(func.sum(DAYS.c.spent_micros - DAYS.c.posted_micros), 0))
        .select_from(DAYS.join(CAMPAIGNS, CAMPAIGNS.c.id == DAYS.c.campaign_id))
        .where(CAMPAIGNS.c.advertiser_id == advertiser_id)
    )
    return int(total or 0)


def available_micros(session: Session, advertiser_id: int, currency: str) -> int:
    """The prepaid balance less spend not yet posted, in micros."""
    balance = money.prepaid_balance(session, advertiser_id, currency)
    return balance * MICROS - unposted_micros(session, advertiser_id)


def committed_micros(session: Session, advertiser_id: int, but: int | None = None) -> int:
    """What the advertiser's live campaigns may still spend (budgets left), in micros."""
    query = select(
        func.coalesce(func.sum(CAMPAIGNS.c.total_budget * MICROS - CAMPAIGNS.c.spent_micros), 0)
    ).where(CAMPAIGNS.c.advertiser_id == advertiser_id, CAMPAIGNS.c.status.in_(LIVE))
    if but is not None:
        query = query.where(CAMPAIGNS.c.id != but)
    return int(session.scalar(query) or 0)


def _check_funds(session: Session, campaign: Campaign) -> None:
    need = committed_micros(session, campaign.advertiser_id, but=campaign.id)
    need += campaign.total_budget * MICROS - campaign.spent_micros
    if need > available_micros(session, campaign.advertiser_id, campaign.currency):
        raise Conflict(
            "Your prepaid balance does not cover the budgets of your live campaigns; top up first.",
            slug="insufficient-funds",
        )


def _audit(
    session: Session,
    campaign: Campaign,
    actor_id: int | None,
    before: str,
    after: str,
    reason: str,
) -> None:
    assert campaign.id is not None
    session.add(
        CampaignEvent(
            campaign_id=campaign.id,
            actor_id=actor_id,
            from_status=before,
            to_status=after,
            reason=reason[:500],
        )
    )


def transition(
    session: Session, campaign: Campaign, action: str, *, actor_id: int | None, reason: str = ""
) -> Campaign:
    """Apply ``action`` (see the table above) or refuse it with a 409."""
    rule = TRANSITIONS[action]
    if campaign.status not in rule["from"]:
        raise Conflict(
            f"A campaign that is {campaign.status} cannot be {action}d.",
            slug="bad-transition",
        )
    if action == "submit":
        check_creative(
            session, campaign.advertiser_id, campaign.creative_kind, campaign.creative_id
        )
    if action in ("submit", "approve", "resume"):
        _check_funds(session, campaign)
    before, campaign.status = campaign.status, rule["to"][0]
    campaign.updated_at = utcnow()
    session.add(campaign)
    _audit(session, campaign, actor_id, before, campaign.status, reason)
    session.flush()
    return campaign


def history(session: Session, campaign_id: int) -> list[CampaignEvent]:
    events = table(CampaignEvent)
    return list(
        session.scalars(
            select(CampaignEvent).where(events.c.campaign_id == campaign_id).order_by(events.c.id)
        )
    )


def review_queue(session: Session, limit: int) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(CAMPAIGNS.c.status == "pending_review")
            .order_by(CAMPAIGNS.c.id)
            .limit(limit)
        )
    )
