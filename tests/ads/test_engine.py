"""The in-memory decision: second price on effective CPM, pacing, caps, exclusions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from socialflow.ads.engine import (
    AdRequest,
    LiveCampaign,
    Rules,
    Snapshot,
    decide,
    effective_cpm,
    paced_allowance,
)

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RULES = Rules(pacing_slack_seconds=0, frequency_cap=3, ctr_bps=100, floor_ecpm=1)


def campaign(cid: int, bid: int, bid_type: str = "cpm", **changes: object) -> LiveCampaign:
    base = LiveCampaign(
        id=cid,
        advertiser_id=1000 + cid,
        currency="usd",
        bid_type=bid_type,
        bid=bid,
        ecpm=effective_cpm(bid_type, bid, 100),
        daily_micros=1_000_000,
        total_micros=10_000_000,
        starts_at=0.0,
        ends_at=None,
        placements=frozenset({"video"}),
        hashtags=frozenset(),
        languages=frozenset(),
        frequency_cap=3,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def ask(**changes: object) -> AdRequest:
    return replace(AdRequest(placement="video", viewer_id=1, now=NOON), **changes)  # type: ignore[arg-type]


def test_the_winner_pays_the_runner_up_plus_one_micro_never_more_than_its_bid() -> None:
    snap = Snapshot.build(NOON.date(), [campaign(1, 500), campaign(2, 300)], {}, {})
    decision = decide(snap, ask(), RULES)
    assert decision is not None
    assert (decision.campaign.id, decision.price_micros) == (1, 301)
    alone = decide(Snapshot.build(NOON.date(), [campaign(1, 500)], {}, {}), ask(), RULES)
    assert alone is not None
    assert alone.price_micros == 2, "the floor plus one"


def test_a_cpc_bid_competes_on_effective_cpm_and_pays_per_click() -> None:
    cpc = campaign(1, 40, "cpc")  # 40 minor per click at 1% CTR = 400 micros per impression
    snap = Snapshot.build(NOON.date(), [cpc, campaign(2, 300)], {}, {})
    decision = decide(snap, ask(), RULES)
    assert decision is not None
    assert decision.campaign.id == 1
    assert decision.price_micros == 301 * 100, "per click: the second price over the CTR"


def test_pacing_keeps_a_campaign_out_while_it_is_ahead_of_its_line() -> None:
    half = paced_allowance(1_000_000, 12 * 3600, 0)
    assert half == 500_000
    snap = Snapshot.build(NOON.date(), [campaign(1, 500), campaign(2, 300)], {1: half - 499}, {})
    decision = decide(snap, ask(), RULES)
    assert decision is not None
    assert decision.campaign.id == 2
    snap.spent_today[1] = half - 500
    assert decide(snap, ask(), RULES).campaign.id == 1  # type: ignore[union-attr]
    snap.spent_today[1] = snap.spent_today[2] = half
    assert decide(snap, ask(), RULES) is None


def test_caps_blocks_languages_schedules_and_targets_exclude() -> None:
    tagged = campaign(3, 900, hashtags=frozenset({"coffee"}))
    french = campaign(4, 800, languages=frozenset({"fr"}))
    later = campaign(5, 700, starts_at=NOON.timestamp() + 60)
    snap = Snapshot.build(
        NOON.date(), [campaign(1, 500), campaign(2, 300), tagged, french, later], {}, {}
    )
    assert decide(snap, ask(), RULES).campaign.id == 1  # type: ignore[union-attr]
    assert decide(snap, ask(interests=frozenset({"coffee"})), RULES).campaign.id == 3  # type: ignore[union-attr]
    assert decide(snap, ask(language="fr"), RULES).campaign.id == 4  # type: ignore[union-attr]
    assert decide(snap, ask(seen={1: 3}), RULES).campaign.id == 2  # type: ignore[union-attr]
    assert decide(snap, ask(hidden_advertisers=frozenset({1001})), RULES).campaign.id == 2  # type: ignore[union-attr]
    assert decide(snap, ask(skip=frozenset({1})), RULES).campaign.id == 2  # type: ignore[union-attr]
    assert decide(snap, ask(viewer_id=1001), RULES).campaign.id == 2  # type: ignore[union-attr]
    assert decide(snap, ask(placement="profile"), RULES) is None
