"""One ad placement decision among 10,000 active campaigns: wall-time p50/p99.

What is timed, with ``time.perf_counter`` around each call and the garbage
collector left on, is :func:`socialflow.ads.serving.fill` for one slot: what
a serving process does per request once the viewer's facts are read (the
snapshot lookup, eligibility with schedule, language, age gate, blocks, caps,
pacing and budgets, the second-price auction, the price, and signing the
tracking token). The snapshot is built by :meth:`Snapshot.build`, as the app
builds it: 10,000 campaigns over three placements, a third targeting
hashtags, a tenth a language, a fifth with a minimum age; the pacing clock at
noon with half the campaigns ahead of their line; viewers have seen some
campaigns up to their cap. Decisions run in ``--rounds`` rounds; each round's
p50/p99 is printed with the load average, then the medians and the worst.
The thread's CPU time per decision is printed beside the wall time: on a
loaded machine the difference is time spent preempted.

    .venv/bin/python benchmarks/ads_decision.py --campaigns 10000 --decisions 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from socialflow.ads.engine import AdRequest, LiveCampaign, Snapshot, effective_cpm
from socialflow.ads.index import CampaignIndex
from socialflow.ads.serving import Slot, fill
from socialflow.ads.settings import AdSettings

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
                min_age=18 if rng.random() < 0.2 else 0,
            )
        )
        # Half the campaigns ahead of their pacing line at noon.
        spent[n] = daily * (60 if rng.random() < 0.5 else 40) // 100
    return Snapshot.build(now.date(), campaigns, spent, {})


class BuiltIndex(CampaignIndex):
    """The app's index holding one prebuilt snapshot (serving asks it on every slot)."""

    def __init__(self, settings: AdSettings, snapshot: Snapshot) -> None:
        super().__init__(settings)
        self.snapshot = snapshot

    def get(self, connection: Connection, now: datetime) -> Snapshot:
        return self.snapshot


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=20_000, help="per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    settings = AdSettings(pacing_slack_seconds=900, frequency_cap=3)
    index = BuiltIndex(settings, snapshot(args.campaigns, rng, now))
    secret = "benchmark-secret-key-that-is-long-enough-0123"
    connection = create_engine("sqlite://").connect()  # untouched: one slot, no creator
    walls: list[list[float]] = []
    cpus: list[list[float]] = []
    filled = 0
    print(f"campaigns={args.campaigns} decisions per round={args.decisions} cpus={os.cpu_count()}")
    for round_no in range(args.rounds):
        wall: list[float] = []
        cpu: list[float] = []
        for n in range(args.decisions):
            request = AdRequest(
                placement=rng.choice(PLACEMENTS),
                viewer_id=n,
                now=now,
                interests=frozenset(rng.sample(TAGS, 10)),
                language=rng.choice(("en", "fr", None)),
                viewer_age=rng.choice((None, 15, 30)),
                hidden_advertisers=frozenset(rng.sample(range(100_000, 103_000), 20)),
                seen={rng.randint(1, args.campaigns): 3 for _ in range(30)},
            )
            started_cpu = time.thread_time()
            started = time.perf_counter()
            served = fill(connection, index, settings, secret, request, [Slot()])
            elapsed = time.perf_counter() - started
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append(elapsed * 1000)
            filled += served[0] is not None
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"round {round_no + 1}: wall p50={statistics.median(wall):.3f} ms "
            f"p99={percentile(wall, 0.99):.3f} ms max={max(wall):.3f} ms; "
            f"cpu p99={percentile(cpu, 0.99):.3f} ms; load {os.getloadavg()[0]:.1f}"
        )
    print(f"filled {filled} of {args.rounds * args.decisions}")
    for name, rounds in (("wall", walls), ("thread cpu", cpus)):
        p50s = [statistics.median(r) for r in rounds]
        p99s = [percentile(r, 0.99) for r in rounds]
        print(
            f"{name}: p50 median {statistics.median(p50s):.3f} ms; "
            f"p99 median {statistics.median(p99s):.3f} ms "
            f"(rounds {min(p99s):.3f}-{max(p99s):.3f}); "
            f"max {max(max(r) for r in rounds):.3f} ms"
        )


if __name__ == "__main__":
    main()
