"""The ad decision: eligible campaigns, a second-price auction on effective CPM, pacing, caps.

Pure and in memory: it reads a :class:`Snapshot` of live campaigns (built
from the database by :mod:`socialflow.ads.index`) and one :class:`AdRequest`,
and touches no database, so a decision among 10,000 campaigns stays in the
low milliseconds.

Money is in *micros* (thousandths of a minor unit) so that a price per
impression is an integer: a CPM bid of ``b`` minor units per 1000
impressions costs ``b`` micros per impression. A CPC bid's effective CPM is
its bid times an assumed click-through rate (``default_ctr_bps``).

**Auction.** Campaigns are kept sorted by effective CPM, in one list for
untargeted campaigns and one per targeted hashtag; the two best eligible
campaigns over the lists the viewer's interests select are the winner and
the runner-up. The winner pays the runner-up's effective CPM plus one
micro (or the floor when alone), never more than its own bid.

**Age gate.** A campaign with a minimum age is eligible only for a viewer
whose age is known (from the private date of birth on their account) and at
least that; a viewer of unknown age never sees it.

**Pacing.** At ``t`` seconds into the UTC day a campaign may have spent at
most ``daily * (t + slack) / 86400``; it sits out while one more impression
at its effective CPM would cross that line, so a daily budget spreads over
the day instead of burning in the first hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

DAY_SECONDS = 86_400
MICROS = 1000  # micros per minor unit


@dataclass(frozen=True)
class LiveCampaign:
    """What the decision needs of an active campaign (budgets in micros)."""

    id: int
    advertiser_id: int
    currency: str
    bid_type: str  # cpm | cpc
    bid: int  # minor units
    ecpm: int  # micros per impression
    daily_micros: int
    total_micros: int
    starts_at: float  # unix seconds
    ends_at: float | None
    placements: frozenset[str]
    hashtags: frozenset[str]
    languages: frozenset[str]
    frequency_cap: int
    min_age: int = 0  # 0: no age gate
    # What a served ad shows (fixed once the campaign is created): no read per request.
    headline: str = ""
    creative_kind: str = ""
    creative_id: str = ""
    click_url: str = ""


def effective_cpm(bid_type: str, bid: int, ctr_bps: int) -> int:
    """Micros per impression: a CPM bid as is, a CPC bid times the assumed CTR."""
    return bid if bid_type == "cpm" else bid * ctr_bps // 10


@dataclass
class Snapshot:
    """Live campaigns by placement and target, and their spend so far (micros)."""

    day: date
    untargeted: dict[str, list[LiveCampaign]] = field(default_factory=dict)
    by_tag: dict[str, dict[str, list[LiveCampaign]]] = field(default_factory=dict)
    spent_today: dict[int, int] = field(default_factory=dict)
    spent_total: dict[int, int] = field(default_factory=dict)
    size: int = 0

    @classmethod
    def build(
        cls,
        day: date,
        campaigns: Iterable[LiveCampaign],
        spent_today: Mapping[int, int],
        spent_total: Mapping[int, int],
    ) -> Snapshot:
        snapshot = cls(day, spent_today=dict(spent_today), spent_total=dict(spent_total))
        for campaign in campaigns:
            snapshot.size += 1
            for placement in campaign.placements:
                if campaign.hashtags:
                    tags = snapshot.by_tag.setdefault(placement, {})
                    for tag in campaign.hashtags:
                        tags.setdefault(tag, []).append(campaign)
                else:
                    snapshot.untargeted.setdefault(placement, []).append(campaign)
        for lists in [snapshot.untargeted, *snapshot.by_tag.values()]:
            for items in lists.values():
                items.sort(key=lambda c: (-c.ecpm, c.id))
        return snapshot

    def note_spend(self, campaign_id: int, micros: int) -> None:
        """Count spend this process just recorded, before the next refresh sees it."""
        self.spent_today[campaign_id] = self.spent_today.get(campaign_id, 0) + micros
        self.spent_total[campaign_id] = self.spent_total.get(campaign_id, 0) + micros


@dataclass(frozen=True)
class AdRequest:
    """One slot to fill: where, for whom, and what rules the viewer brings."""

    placement: str
    viewer_id: int
    now: datetime
    interests: frozenset[str] = frozenset()
    language: str | None = None
    viewer_age: int | None = None  # None: unknown (no date of birth), never age-gated ads
    hidden_advertisers: frozenset[int] = frozenset()
    seen: Mapping[int, int] = field(default_factory=dict)  # campaign id -> impressions today
    skip: frozenset[int] = frozenset()  # campaigns already on this page


@dataclass(frozen=True)
class Decision:
    """The winner and what it pays: micros per impression (cpm) or per click (cpc)."""

    campaign: LiveCampaign
    price_micros: int
    ecpm_paid: int


@dataclass(frozen=True)
class Rules:
    """The settings the decision depends on."""

    pacing_slack_seconds: int
    frequency_cap: int
    ctr_bps: int
    floor_ecpm: int


def paced_allowance(daily_micros: int, seconds_into_day: float, slack: int) -> int:
    """How much of a daily budget may be spent by ``seconds_into_day``."""
    share = min(DAY_SECONDS, seconds_into_day + slack)
    return int(daily_micros * share // DAY_SECONDS)


def seconds_into_day(now: datetime) -> float:
    """Seconds since the start of ``now``'s day (UTC: every ``now`` here is UTC)."""
    return now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6


def _eligible(
    campaign: LiveCampaign,
    request: AdRequest,
    snapshot: Snapshot,
    rules: Rules,
    now_ts: float,
    seconds_into_day: float,
) -> bool:
    if campaign.id in request.skip or campaign.advertiser_id in request.hidden_advertisers:
        return False
    if campaign.advertiser_id == request.viewer_id:
        return False
    if now_ts < campaign.starts_at or (campaign.ends_at is not None and now_ts >= campaign.ends_at):
        return False
    if campaign.languages and request.language not in campaign.languages:
        return False
    if campaign.min_age and (request.viewer_age is None or request.viewer_age < campaign.min_age):
        return False
    cap = min(rules.frequency_cap, campaign.frequency_cap)
    if request.seen.get(campaign.id, 0) >= cap:
        return False
    # Room for one more impression at the most it may cost (its own effective CPM) under
    # the pacing line: spend stays at or below the line, never one impression over it.
    spent = snapshot.spent_today.get(campaign.id, 0) + campaign.ecpm
    if spent > paced_allowance(campaign.daily_micros, seconds_into_day, rules.pacing_slack_seconds):
        return False
    return snapshot.spent_total.get(campaign.id, 0) < campaign.total_micros


def _best_two(
    lists: Sequence[list[LiveCampaign]],
    request: AdRequest,
    snapshot: Snapshot,
    rules: Rules,
) -> list[LiveCampaign]:
    now_ts = request.now.timestamp()
    into_day = seconds_into_day(request.now)
    found: dict[int, LiveCampaign] = {}
    for items in lists:
        taken = 0
        for campaign in items:
            if campaign.id in found:
                taken += 1
            elif _eligible(campaign, request, snapshot, rules, now_ts, into_day):
                found[campaign.id] = campaign
                taken += 1
            if taken == 2:
                break
    return sorted(found.values(), key=lambda c: (-c.ecpm, c.id))[:2]


def decide(snapshot: Snapshot, request: AdRequest, rules: Rules) -> Decision | None:
    """The winning campaign for the slot and its price, or None when none is eligible."""
    lists: list[list[LiveCampaign]] = []
    general = snapshot.untargeted.get(request.placement)
    if general:
        lists.append(general)
    tagged = snapshot.by_tag.get(request.placement)
    if tagged:
        lists.extend(tagged[tag] for tag in request.interests if tag in tagged)
    best = _best_two(lists, request, snapshot, rules)
    if not best:
        return None
    winner = best[0]
    runner_up = best[1].ecpm if len(best) > 1 else rules.floor_ecpm
    paid = min(winner.ecpm, max(runner_up + 1, rules.floor_ecpm))
    if winner.bid_type == "cpm":
        price = paid
    else:
        price = min(winner.bid * MICROS, paid * 10_000 // rules.ctr_bps)
        price = max(price, 1)
    return Decision(winner, price, paid)
