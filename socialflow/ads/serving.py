"""Filling ad slots: the viewer's facts from the database, the decision, a signed token.

One slot or several (a feed page): the viewer's facts (who they blocked or
muted or who blocked them, which campaigns they saw today, their interests:
the hashtags of posts they liked or wrote lately, their age from the private
date of birth on their account, if they set one) are read once, then each
slot is decided in memory (:mod:`socialflow.ads.engine`). A slot beside a
creator who opted out of ads, or beside a post with a sensitive hashtag,
stays empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.engine import Connection

from socialflow.ads import tokens
from socialflow.ads.engine import AdRequest, Decision, decide
from socialflow.ads.index import CampaignIndex
from socialflow.ads.models import AdReach, CreatorOptOut, table
from socialflow.ads.settings import AdSettings
from socialflow.graph import relations
from socialflow.social.models import Post, PostHashtag, PostLike

REACH = table(AdReach)
OPTOUTS = table(CreatorOptOut)
HASHTAGS = table(PostHashtag)
LIKES = table(PostLike)
POSTS = table(Post)
INTEREST_POSTS = 50


@dataclass(frozen=True)
class Slot:
    """Where an ad would go: the creator beside it (0: none) and that content's hashtags."""

    creator_id: int = 0
    hashtags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Served:
    decision: Decision
    token: str


def interests(connection: Connection, viewer_id: int) -> frozenset[str]:
    """Hashtags of the posts the viewer liked or wrote most recently."""
    liked = (
        select(LIKES.c.post_id.label("post_id"))
        .where(LIKES.c.user_id == viewer_id)
        .order_by(LIKES.c.post_id.desc())
        .limit(INTEREST_POSTS)
    )
    written = (
        select(POSTS.c.id.label("post_id"))
        .where(POSTS.c.author_id == viewer_id)
        .order_by(POSTS.c.id.desc())
        .limit(INTEREST_POSTS)
    )
    ids = union(liked.subquery().select(), written.subquery().select()).subquery()
    rows = connection.execute(select(HASHTAGS.c.tag).where(HASHTAGS.c.post_id.in_(select(ids))))
    return frozenset(str(r[0]) for r in rows)


def base_request(
    connection: Connection,
    viewer_id: int,
    placement: str,
    now: datetime,
    language: str | None,
    viewer_age: int | None,
) -> AdRequest:
    """The viewer's facts for a page of slots; ``viewer_age`` None means unknown."""
    day = now.date()
    seen = {
        int(cid): int(n)
        for cid, n in connection.execute(
            select(REACH.c.campaign_id, REACH.c.impressions).where(
                REACH.c.viewer_id == viewer_id, REACH.c.day == day
            )
        )
    }
    return AdRequest(
        placement=placement,
        viewer_id=viewer_id,
        now=now,
        interests=interests(connection, viewer_id),
        language=language,
        viewer_age=viewer_age,
        hidden_advertisers=frozenset(relations.hidden_user_ids(connection, viewer_id)),
        seen=seen,
    )


def fill(
    connection: Connection,
    index: CampaignIndex,
    settings: AdSettings,
    secret: str,
    request: AdRequest,
    slots: list[Slot],
) -> list[Served | None]:
    """One ad (or None) per slot, never the same campaign twice on a page."""
    snapshot = index.get(connection, request.now)
    creators = {s.creator_id for s in slots if s.creator_id}
    opted_out = (
        {
            int(r[0])
            for r in connection.execute(
                select(OPTOUTS.c.creator_id).where(OPTOUTS.c.creator_id.in_(creators))
            )
        }
        if creators
        else set()
    )
    sensitive = frozenset(settings.sensitive_hashtags)
    chosen: set[int] = set()
    out: list[Served | None] = []
    for slot in slots:
        if slot.creator_id in opted_out or slot.hashtags & sensitive:
            out.append(None)
            continue
        wanted = replace(
            request, skip=frozenset(chosen), interests=request.interests | slot.hashtags
        )
        decision = decide(snapshot, wanted, index.rules)
        if decision is None:
            out.append(None)
            continue
        chosen.add(decision.campaign.id)
        token, _ = tokens.issue(
            secret,
            campaign_id=decision.campaign.id,
            viewer_id=request.viewer_id,
            placement=request.placement,
            bid_type=decision.campaign.bid_type,
            price_micros=decision.price_micros,
            creator_id=slot.creator_id,
            issued=int(request.now.timestamp()),
        )
        out.append(Served(decision, token))
    return out


def describe(served: list[Served | None]) -> list[dict[str, Any] | None]:
    """The public shape of each served ad (creative, headline, link, token), from the
    snapshot: a campaign's creative and link do not change once it is created."""
    out: list[dict[str, Any] | None] = []
    for item in served:
        if item is None:
            out.append(None)
            continue
        campaign = item.decision.campaign
        out.append(
            {
                "campaign_id": campaign.id,
                "advertiser_id": campaign.advertiser_id,
                "headline": campaign.headline,
                "creative": {"kind": campaign.creative_kind, "id": campaign.creative_id},
                "click_url": campaign.click_url,
                "token": item.token,
            }
        )
    return out
