"""Ad serving throughput: ``GET /api/v1/ads/serve`` beside a bare FastAPI endpoint.

A project made as users make one (``socialflow new``, ``socialflow migrate``,
default settings: SQLite, the ads app on as every optional app is unless
``disabled_apps`` names it) is seeded with ``--campaigns`` active campaigns
(a third targeting hashtags, a tenth a language, a fifth with a minimum age)
from ``--advertisers`` advertisers, and ``--viewers`` viewers, a third of them
with a date of birth. ``socialflow serve`` runs it on an ephemeral port
(pinned to CPU 0) beside a bare FastAPI JSON endpoint under uvicorn (also on
CPU 0); wrk on CPU 1 loads one, then the other, in alternating rounds, each
request carrying the next viewer's token (benchmarks/rotate_tokens.lua).

    .venv/bin/python benchmarks/ads_serving.py --rounds 5 --duration 5

Prints per-round req/s, p50 and p99 for both, then medians and spread.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.social_bench import free_port, wrk  # noqa: E402

CLI = [sys.executable, "-m", "socialflow"]
TAGS = [f"tag{n}" for n in range(200)]
BARE = ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "--factory", "benchmarks._apps:bare"]


def seed(project: Path, campaigns: int, advertisers: int, viewers: int) -> list[int]:
    """Rows straight into the project's database; answers the viewers' ids."""
    from sqlalchemy import create_engine, insert

    from socialflow.accounts.models import User
    from socialflow.ads.models import Advertiser, Campaign
    from socialflow.core.settings import load_settings

    settings = load_settings(project)
    engine = create_engine(str(settings.database_url))
    rng = random.Random(5)
    now = datetime.now(UTC)
    total = advertisers + viewers
    with engine.begin() as connection:
        users = []
        for i in range(1, total + 1):
            birth = None
            if i > advertisers and rng.random() < 0.33:
                birth = date(1960 + rng.randrange(50), 1 + rng.randrange(12), 1)
            users.append(
                {
                    "id": i,
                    "username": f"u{i}",
                    "username_key": f"u{i}",
                    "email": f"u{i}@example.com",
                    "state": "active",
                    "birth_date": birth,
                    "created_at": now,
                }
            )
        connection.execute(insert(User.__table__), users)  # type: ignore[attr-defined]
        connection.execute(
            insert(Advertiser.__table__),  # type: ignore[attr-defined]
            [
                {"user_id": i, "name": f"shop {i}", "currency": "usd", "created_at": now}
                for i in range(1, advertisers + 1)
            ],
        )
        rows = []
        for n in range(1, campaigns + 1):
            bid_type = "cpm" if rng.random() < 0.7 else "cpc"
            daily = rng.randint(1000, 100_000)
            rows.append(
                {
                    "advertiser_id": 1 + n % advertisers,
                    "name": f"campaign {n}",
                    "status": "active",
                    "currency": "usd",
                    "total_budget": daily * 30,
                    "daily_budget": daily,
                    "bid_type": bid_type,
                    "bid": rng.randint(50, 2000) if bid_type == "cpm" else rng.randint(5, 200),
                    "starts_at": now - timedelta(days=1),
                    "ends_at": None,
                    "creative_kind": "image",
                    "creative_id": f"{n:032x}",
                    "headline": f"Offer {n}",
                    "click_url": f"https://example.com/{n}",
                    "placements": ["home_feed", "video", "profile"],
                    "hashtags": rng.sample(TAGS, 3) if rng.random() < 0.33 else [],
                    "languages": ["fr"] if rng.random() < 0.1 else [],
                    "min_age": 18 if rng.random() < 0.2 else None,
                    "spent_micros": 0,
                    "created_at": now,
                }
            )
        connection.execute(insert(Campaign.__table__), rows)  # type: ignore[attr-defined]
    engine.dispose()
    return list(range(advertisers + 1, total + 1))


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def summary(name: str, rounds: list[dict[str, float]]) -> dict[str, float]:
    rps = [r["rps"] for r in rounds]
    p50 = [r["p50_ms"] for r in rounds]
    p99 = [r["p99_ms"] for r in rounds]
    print(
        f"| {name} | {statistics.median(rps):,.0f} | {min(rps):,.0f}-{max(rps):,.0f} | "
        f"{statistics.median(p50):.1f} | {min(p50):.1f}-{max(p50):.1f} | "
        f"{statistics.median(p99):.1f} | {min(p99):.1f}-{max(p99):.1f} |"
    )
    return {"rps": statistics.median(rps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--advertisers", type=int, default=500)
    parser.add_argument("--viewers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk round")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    from socialflow.accounts.tokens import issue_access_token
    from socialflow.core.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="sf-ads-") as folder:
        project = Path(folder) / "site"
        subprocess.run([*CLI, "new", str(project)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*CLI, "migrate", "-C", str(project)], check=True, stdout=subprocess.DEVNULL)
        viewers = seed(project, args.campaigns, args.advertisers, args.viewers)
        port, bare_port = free_port(), free_port()
        settings = load_settings(project)
        # `serve` issues tokens for where it listens: mint ours for the same issuer.
        settings.public_url = f"http://127.0.0.1:{port}"
        tokens = Path(folder) / "tokens.txt"
        tokens.write_text(
            "\n".join(issue_access_token(settings, user_id=v, token_version=0) for v in viewers)
        )
        servers = [
            subprocess.Popen(
                ["taskset", "-c", "0", *CLI, "serve", "-C", str(project), "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [*BARE, "--port", str(bare_port), "--log-level", "warning", "--no-access-log"],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
            ),
        ]
        try:
            serve_url = f"http://127.0.0.1:{port}/api/v1/ads/serve?placement=video"
            bare_url = f"http://127.0.0.1:{bare_port}/json"
            wait_up(f"http://127.0.0.1:{port}/healthz")
            wait_up(bare_url)
            first = tokens.read_text().splitlines()[0]
            check = httpx.get(serve_url, headers={"Authorization": f"Bearer {first}"}, timeout=30)
            assert check.status_code == 200, check.text
            results: dict[str, list[dict[str, float]]] = {"bare": [], "ads": []}
            wrk(serve_url, duration=2, connections=args.connections, tokens_file=tokens)  # warm
            print(f"cpus: {os.cpu_count()}; load before: {os.getloadavg()[0]:.1f}")
            for n in range(args.rounds):
                for name, url in (("bare", bare_url), ("ads", serve_url)):
                    found = wrk(
                        url,
                        duration=args.duration,
                        connections=args.connections,
                        tokens_file=tokens if name == "ads" else None,
                    )
                    if found["errors"]:
                        raise RuntimeError(f"{name}: {found['errors']} error responses")
                    results[name].append(found)
                    print(
                        f"round {n + 1} {name}: {found['rps']:,.0f} req/s, "
                        f"p50 {found['p50_ms']:.1f} ms, p99 {found['p99_ms']:.1f} ms, "
                        f"load {os.getloadavg()[0]:.1f}"
                    )
        finally:
            for server in servers:
                server.terminate()
                server.wait(20)
    print(
        f"\n{args.campaigns:,} campaigns, {args.viewers} viewers, {args.rounds} rounds of "
        f"{args.duration} s, {args.connections} connections"
    )
    print("| endpoint | req/s median | range | p50 ms | range | p99 ms | range |")
    print("|---|---|---|---|---|---|---|")
    bare = summary("bare FastAPI JSON", results["bare"])
    ads = summary("GET /ads/serve", results["ads"])
    ratios = [a["rps"] / b["rps"] for a, b in zip(results["ads"], results["bare"], strict=True)]
    print(
        f"\nads : bare = {ads['rps'] / bare['rps']:.2f} "
        f"(per round {min(ratios):.2f}-{max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
