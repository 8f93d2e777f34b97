"""Tail latency of cached home pages, one request at a time (no load generator).

Serves the project's app with uvicorn (CPU 0, as ``social_bench.py``), reads
the home page of 1,000 viewers spread over the following-count distribution
once (warm-up), then ``--requests`` more in turn and prints p50 / p99 /
p99.9 / max: what a reader sees from the feed cache, without wrk's queueing.

    python benchmarks/feed_tail_latency.py --project <seeded PostgreSQL project>
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.social_bench import percentile, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()

    from socialflow.accounts.tokens import issue_access_token
    from socialflow.core.settings import load_settings

    settings = load_settings(args.project)
    engine = create_engine(str(settings.database_url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM users ORDER BY following_count")).all()
    viewers = [rows[int(i / 999 * (len(rows) - 1))] for i in range(1000)]
    tokens = [issue_access_token(settings, user_id=r.id, token_version=0) for r in viewers]

    with (
        serve("benchmarks._apps:social", args.project, SOCIALFLOW_LOG_LEVEL="WARNING") as base,
        httpx.Client(base_url=f"{base}/api/v1", timeout=30) as client,
    ):

        def get(token: str) -> float:
            started = time.perf_counter()
            client.get("/feed/home", headers={"Authorization": f"Bearer {token}"})
            return (time.perf_counter() - started) * 1000

        for token in tokens:
            get(token)
        samples = [get(tokens[i % len(tokens)]) for i in range(args.requests)]
    print(
        f"{len(samples)} requests: p50 {percentile(samples, 50):.2f} ms, "
        f"p99 {percentile(samples, 99):.2f} ms, p99.9 {percentile(samples, 99.9):.2f} ms, "
        f"max {max(samples):.2f} ms"
    )


if __name__ == "__main__":
    main()
