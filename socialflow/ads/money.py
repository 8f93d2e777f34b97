"""The ledger entries of ads: top-ups, spend and the creators' share.

========================  ==========================================================
event                     lines
========================  ==========================================================
top-up succeeded          Dr processor_clearing amount; Cr advertiser_prepaid amount
spend batch               Dr advertiser_prepaid amount; Cr ad_revenue amount
creator share batch       Dr ad_revenue share; Cr creator_available share
========================  ==========================================================

Ad spend is for impressions and clicks already delivered (nothing to
refund), so a creator's share is payable at once: it goes to their
*available* balance and leaves with their next payout.
"""

from __future__ import annotations

from sqlmodel import Session

from socialflow.ads.models import AdTopUp
from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind, Line
from socialflow.payments.models import LedgerEntry


def _acc(session: Session, kind: AccountKind, owner: int = 0) -> int:
    found = ledger.account(session, kind, owner)
    assert found.id is not None
    return found.id


def topup_succeeded(session: Session, topup: AdTopUp) -> LedgerEntry:
    return ledger.post(
        session,
        kind="ad_topup",
        cause=("ad_topup", str(topup.id)),
        key=f"ad-topup:{topup.id}",
        memo=f"top-up by advertiser {topup.advertiser_id}",
        lines=[
            Line(_acc(session, AccountKind.processor_clearing), topup.amount, topup.currency),
            Line(
                _acc(session, AccountKind.advertiser_prepaid, topup.advertiser_id),
                -topup.amount,
                topup.currency,
            ),
        ],
    )


def spend(
    session: Session,
    *,
    campaign_id: int,
    advertiser_id: int,
    day: str,
    offset: int,
    amount: int,
    currency: str,
) -> LedgerEntry:
    """``amount`` minor units of a campaign's spend on ``day`` (the part after ``offset``
    micros already posted: the key, so a batch run twice posts once)."""
    return ledger.post(
        session,
        kind="ad_spend",
        cause=("ad_campaign", str(campaign_id)),
        key=f"ad-spend:{campaign_id}:{day}:{offset}",
        lines=[
            Line(_acc(session, AccountKind.advertiser_prepaid, advertiser_id), amount, currency),
            Line(_acc(session, AccountKind.ad_revenue), -amount, currency),
        ],
    )


def creator_share(
    session: Session, *, creator_id: int, offset: int, amount: int, currency: str
) -> LedgerEntry:
    return ledger.post(
        session,
        kind="ad_share",
        cause=("ad_creator", str(creator_id)),
        key=f"ad-share:{creator_id}:{currency}:{offset}",
        lines=[
            Line(_acc(session, AccountKind.ad_revenue), amount, currency),
            Line(_acc(session, AccountKind.creator_available, creator_id), -amount, currency),
        ],
    )


def prepaid_balance(session: Session, advertiser_id: int, currency: str) -> int:
    """The advertiser's prepaid balance in the ledger (minor units; spend not yet posted
    is not deducted here, see :func:`socialflow.ads.campaigns.available_micros`)."""
    return ledger.balance(
        session, ledger.account(session, AccountKind.advertiser_prepaid, advertiser_id), currency
    )
