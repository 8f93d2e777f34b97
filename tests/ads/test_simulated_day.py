"""A simulated day, time compressed: 50 campaigns, 10,000 viewers, pacing, caps, the ledger.

The serving process's loop as it runs in production, with the clock
advanced by the test: a snapshot of live campaigns rebuilt every ten
simulated minutes (when the spend batch also runs), each request decided
in memory against the viewer's facts from the database, its token verified
and counted. Viewers are ids (no accounts: nothing about a viewer but its
id reaches the counters), except the few that block an advertiser.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from socialflow.accounts.models import AccountState, User
from socialflow.ads import batches, counting, index, serving, tokens
from socialflow.ads.engine import MICROS, decide
from socialflow.ads.models import AdTopUp, Advertiser, Campaign, CampaignDay, table
from socialflow.ads.money import topup_succeeded
from socialflow.ads.settings import AdSettings, ad_settings
from socialflow.graph.models import Block
from socialflow.payments import ledger
from socialflow.payments.ledger import AccountKind

DAY = datetime(2026, 12, 8, tzinfo=UTC)
CAMPAIGNS = 50
VIEWERS = 10_000
REQUESTS_PER_HOUR = int(os.environ.get("ADS_SIM_RATE", "400"))
BATCH_EVERY = timedelta(minutes=10)
DAILY = 6  # minor units per campaign
CREATORS = 40


pytestmark = pytest.mark.timeout(1200)


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "payments": "offline",
        "plugin": {"ads": {"pacing_slack_seconds": 120, "frequency_cap": 3}},
    }


def _user(session: Any, name: str) -> int:
    user = User(
        username=name,
        username_key=name,
        email=f"{name}@example.com",
        state=AccountState.active.value,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    return user.id


def _setup(platform: Any) -> tuple[list[int], list[int], list[int]]:
    """Advertisers (each topped up, one campaign each), creators, blocking viewers."""
    with platform.session() as session:
        advertisers, campaign_ids = [], []
        for n in range(CAMPAIGNS):
            uid = _user(session, f"shop{n}")
            advertisers.append(uid)
            session.add(Advertiser(user_id=uid, name=f"Shop {n}", currency="usd"))
            topup = AdTopUp(
                advertiser_id=uid,
                amount=1000,
                currency="usd",
                status="succeeded",
                idempotency_key=f"sim-topup:{n}",
            )
            session.add(topup)
            session.flush()
            topup_succeeded(session, topup)
            campaign = Campaign(
                advertiser_id=uid,
                name=f"c{n}",
                status="active",
                currency="usd",
                total_budget=500,
                daily_budget=DAILY,
                bid_type="cpm",
                bid=40 + n,
                starts_at=DAY,
                creative_kind="image",
                creative_id=f"img{n}",
                click_url="https://example.com",
                placements=["home_feed"],
                hashtags=[],
                languages=[],
            )
            session.add(campaign)
            session.flush()
            assert campaign.id is not None
            campaign_ids.append(campaign.id)
        creators = [_user(session, f"creator{n}") for n in range(CREATORS)]
        blockers = [_user(session, f"blocker{n}") for n in range(5)]
        for blocker in blockers:  # they blocked the best-paying advertiser
            session.add(Block(blocker_id=blocker, blocked_id=advertisers[-1]))
        session.commit()
    return campaign_ids, creators, blockers


def test_a_simulated_day_paces_caps_and_balances(platform: Any) -> None:
    settings: AdSettings = ad_settings(platform)
    secret = platform.settings.secret()
    campaign_ids, creators, blockers = _setup(platform)
    rng = random.Random(20)
    heavy = list(range(1, 21))  # 20 viewers who scroll all day: they meet the caps
    viewers = [*range(1, VIEWERS + 1 - len(blockers)), *blockers]
    spend_by_hour: dict[int, Counter[int]] = defaultdict(Counter)
    counted_by_viewer: Counter[tuple[int, int]] = Counter()
    max_price: Counter[int] = Counter()
    served_to_blockers: list[int] = []
    step = timedelta(seconds=3600 / REQUESTS_PER_HOUR)
    now, next_batch = DAY, DAY + BATCH_EVERY
    snapshot = None
    with platform.session() as session:
        for n in range(24 * REQUESTS_PER_HOUR):
            if snapshot is None or now >= next_batch:
                batches.run(session)
                session.commit()
                snapshot = index.load(session.connection(), settings, now)
                next_batch += (
                    BATCH_EVERY if snapshot is not None and now >= next_batch else timedelta()
                )
            viewer = rng.choice(heavy) if n % 10 == 0 else rng.choice(viewers)
            ask = serving.base_request(session.connection(), viewer, "home_feed", now, None, None)
            decision = decide(snapshot, ask, index.rules_of(settings))
            if decision is not None:
                if viewer in blockers:
                    served_to_blockers.append(decision.campaign.advertiser_id)
                token, _ = tokens.issue(
                    secret,
                    campaign_id=decision.campaign.id,
                    viewer_id=viewer,
                    placement="home_feed",
                    bid_type="cpm",
                    price_micros=decision.price_micros,
                    creator_id=rng.choice(creators),
                    issued=int(now.timestamp()),
                )
                claims = tokens.verify(secret, token, now=now.timestamp(), ttl=3600)
                outcome = counting.record(session, settings, claims, "impression", now)
                if outcome.counted:
                    counted_by_viewer[(viewer, claims.campaign_id)] += 1
                if outcome.billed_micros:
                    snapshot.note_spend(claims.campaign_id, outcome.billed_micros)
                    spend_by_hour[claims.campaign_id][now.hour] += outcome.billed_micros
                    max_price[claims.campaign_id] = max(
                        max_price[claims.campaign_id], outcome.billed_micros
                    )
            now += step
        batches.run(session)
        session.commit()
        days = {row.campaign_id: row for row in session.execute(select(table(CampaignDay))).all()}
        # Budgets: counted spend never passes the daily budget; the ledger lags it by
        # less than one minor unit after the last batch.
        budget = DAILY * MICROS
        for cid in campaign_ids:
            assert days[cid].spent_micros <= budget
            assert days[cid].spent_micros - days[cid].posted_micros < MICROS
        spenders = [cid for cid in campaign_ids if days[cid].spent_micros >= budget * 9 // 10]
        assert len(spenders) >= CAMPAIGNS * 9 // 10, "demand exceeds the budgets: most spend them"
        # Pacing: the platform's spend in every hour is within 20% of an even 1/24 of the
        # day's; each campaign's spend by the end of every hour from the second on is within
        # 20% of even pacing, and each hour's own spend within 20% of an even 1/24 give or
        # take the one impression that crosses the pacing line.
        platform_hourly = [sum(spend_by_hour[c][h] for c in campaign_ids) for h in range(24)]
        platform_even = sum(platform_hourly) / 24
        for h in range(24):
            assert abs(platform_hourly[h] - platform_even) <= platform_even * 0.2, platform_hourly
        for cid in spenders:
            total = days[cid].spent_micros
            hourly = [spend_by_hour[cid][h] for h in range(24)]
            even = total / 24
            for h in range(1, 24):
                reached = sum(hourly[: h + 1])
                assert abs(reached - even * (h + 1)) <= even * (h + 1) * 0.2, (cid, h, hourly)
            for h in range(23):
                assert abs(hourly[h] - even) <= even * 0.2 + max_price[cid], (cid, h, hourly)
        # Frequency caps, counted independently of the cap counters.
        assert counted_by_viewer
        assert max(counted_by_viewer.values()) <= settings.frequency_cap
        assert max(counted_by_viewer[(v, c)] for v in heavy for c in campaign_ids) == 3
        # Never an ad from an account the viewer blocked.
        assert served_to_blockers
        blocked_advertiser = session.get(Campaign, campaign_ids[-1]).advertiser_id  # type: ignore[union-attr]
        assert blocked_advertiser not in served_to_blockers
        # The ledger balances and says what the counters say.
        assert ledger.trial_balance(session) == {"usd": 0}
        assert ledger.unbalanced_entries(session) == []
        posted = sum(days[cid].posted_micros for cid in campaign_ids) // MICROS
        revenue = ledger.balance(session, ledger.account(session, AccountKind.ad_revenue), "usd")
        shares = sum(
            ledger.creator_balance(session, AccountKind.creator_available, c, "usd")
            for c in creators
        )
        assert shares > 0
        assert revenue + shares == posted
        for n, cid in enumerate(campaign_ids):
            advertiser = days[cid] and session.get(Campaign, cid).advertiser_id  # type: ignore[union-attr]
            left = ledger.balance(
                session, ledger.account(session, AccountKind.advertiser_prepaid, advertiser), "usd"
            )
            assert left == 1000 - days[cid].posted_micros // MICROS, n
