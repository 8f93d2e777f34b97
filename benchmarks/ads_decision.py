"""The ad decision for one placement among 10,000 active campaigns: p50/p99 latency.

What is timed is what a serving process does per slot once the viewer's facts
are read: eligibility (schedule, language, blocks, caps, pacing, budgets),
the second-price auction on effective CPM, the price. Wall time and the
thread's CPU time are both reported: on a loaded shared machine the wall
p99 is mostly time spent preempted. The snapshot is built
the way :mod:`socialflow.ads.index` builds it (sorted lists per placement and
per targeted hashtag); a third of the campaigns target hashtags, a tenth a
language; the pacing clock is mid-day with spend spread so that a share of
campaigns sit out (ahead of their line) and viewers have seen some campaigns
up to their cap.

    .venv/bin/python benchmarks/ads_decision.py --campaigns 10000 --decisions 20000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime

from socialflow.ads.engine import AdRequest, LiveCampaign, Rules, Snapshot, decide, effective_cpm

PLACEMENTS = ("home_feed", "video", "profile")
TAGS = [f"tag{n}" for n in range(200)]


def snapshot(count: int, rng: random.Random, now: datetime) -> Snapshot:
    campaigns = []
    spent: dict[int, int] = {}
    for n in range(1, count + 1):
        bid_type = "cpm" if rng.random() < 0.7 else "cpc"
        bid = rng.randint(50, 2000) if bid_type == "cpm" else rng.randint(5, 200)
        daily = rng.randint(1000, 100_000) * 1000
        campaigns.append(
            LiveCampaign(
                id=n,
                advertiser_id=100_000 + n % 3000,
                currency="usd",
                bid_type=bid_type,
                bid=bid,
                ecpm=effective_cpm(bid_type, bid, 100),
                daily_micros=daily,
                total_micros=daily * 30,
                starts_at=0.0,
                ends_at=None,
                placements=frozenset(rng.sample(PLACEMENTS, rng.randint(1, 3))),
                hashtags=frozenset(rng.sample(TAGS, 3)) if rng.random() < 0.33 else frozenset(),
                languages=frozenset({"en"}) if rng.random() < 0.1 else frozenset(),
                frequency_cap=3,
            )
        )
        # Half the campaigns ahead of their pacing line at noon.
        spent[n] = daily * (60 if rng.random() < 0.5 else 40) // 100
    return Snapshot.build(now.date(), campaigns, spent, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    snap = snapshot(args.campaigns, rng, now)
    rules = Rules(pacing_slack_seconds=900, frequency_cap=3, ctr_bps=100, floor_ecpm=1)
    times: list[float] = []
    cpu: list[float] = []
    filled = 0
    for n in range(args.decisions):
        request = AdRequest(
            placement=rng.choice(PLACEMENTS),
            viewer_id=n,
            now=now,
            interests=frozenset(rng.sample(TAGS, 10)),
            language=rng.choice(("en", "fr", None)),
            hidden_advertisers=frozenset(rng.sample(range(100_000, 103_000), 20)),
            seen={rng.randint(1, args.campaigns): 3 for _ in range(30)},
        )
        started, started_cpu = time.perf_counter(), time.thread_time()
        decision = decide(snap, request, rules)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)
        filled += decision is not None
    print(f"campaigns={args.campaigns} decisions={args.decisions} filled={filled}")
    for name, values in (("wall", times), ("thread cpu", cpu)):
        values.sort()
        p50 = statistics.median(values)
        p99 = values[int(len(values) * 0.99)]
        print(f"{name}: p50={p50:.3f} ms p99={p99:.3f} ms max={values[-1]:.3f} ms")


if __name__ == "__main__":
    main()
