"""Analytics: event ingestion on the request path, and the creator dashboard query.

``python benchmarks/analytics_ingest.py [--rounds 7] [--txns 400] [--videos 100000]``

Two projects made as ``socialflow new`` makes them (default settings, SQLite,
``migrate``), one with the analytics app on and one with
``disabled_apps = ["analytics"]`` (the bare baseline), in one process, rounds
alternating between them:

* **request overhead**: a transaction shaped like a view beacon's (one counter
  ``UPDATE`` and one ``video_watched`` event) committed ``--txns`` times; the
  analytics app adds its batched ``INSERT`` to each. Reported: median time per
  transaction on and off, and the difference.
* **ingestion**: transactions carrying 100 countable events each; events per
  second through the batch path = events / (time on - time off), i.e. what the
  capture costs on top of the same transactions without it.
* **dashboard**: a year of hourly creator rows and monthly rows for
  ``--videos`` videos (the measured creator owns 200 of them, with a row per
  day), then ``creator_overview(days=366)`` timed ``--queries`` times: p50, p99.

In-process (no HTTP server): it measures the database work the app adds, which is
all the app adds to a request. Medians and spreads printed as markdown.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from socialflow.core.effects import record_event
from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings
from socialflow.testing import toml
from socialflow.testing.database import migrate_url

EVENTS_PER_TXN = 100


def project(root: Path, name: str, *, analytics: bool) -> Platform:
    folder = root / name
    folder.mkdir()
    config: dict[str, Any] = {
        "secret_key": "benchmark-secret-key-that-is-long-enough-0123",
        "database_url": f"sqlite:///{folder / 'socialflow.db'}",
        "log_level": "WARNING",
        "task_always_eager": True,
    }
    if not analytics:
        config["disabled_apps"] = ["analytics"]
    toml.write(folder / "socialflow.toml", config)
    migrate_url(config["database_url"], folder)
    platform = Platform(load_settings(folder)).start()
    from socialflow.accounts.models import AccountState
    from socialflow.accounts.users import create_user

    with platform.session() as session:
        create_user(
            session=session,
            username="bench",
            email="bench@example.com",
            password="benchmark passphrase 2026",
            state=AccountState.active,
        )
        session.commit()
    return platform


def transactions(platform: Platform, count: int, events: int) -> float:
    """Seconds to commit ``count`` beacon-shaped transactions of ``events`` events each."""
    started = time.perf_counter()
    for i in range(count):
        with platform.session() as session:
            session.execute(
                text("UPDATE users SET follower_count = follower_count + 1 WHERE id = 1")
            )
            for e in range(events):
                record_event(
                    session,
                    "video_watched",
                    video_id=f"v{i % 50}",
                    viewer=f"k{i}-{e}",
                    new_view=True,
                    watch_seconds=5.0,
                    owner_id=1,
                    viewer_id=None,
                    position=float(e),
                    source="feed",
                )
            session.commit()
    return time.perf_counter() - started


def dashboard(platform: Platform, videos: int, queries: int) -> list[float]:
    from socialflow.analytics import stats
    from socialflow.analytics.models import CreatorHour, VideoHour
    from socialflow.video.models import Video

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    creator_rows = [
        {"creator_id": 1, "hour": now - timedelta(hours=h), "views": 3, "watch_seconds": 9.0,
         "likes": 1, "unlikes": 0, "comments": 0, "shares": 0, "follows_gained": 0,
         "follows_lost": 0}
        for h in range(366 * 24)
    ]  # fmt: skip
    own = 200
    video_rows = []
    for v in range(videos):
        mine = v < own
        for step in range(365 if mine else 12):
            video_rows.append(
                {
                    "video_id": f"bench{v:07d}",
                    "hour": now - timedelta(days=step if mine else 30 * step),
                    "creator_id": 1 if mine else 2 + v % 1000,
                    "views": 1 + v % 7,
                    "viewers": 1,
                    "watch_seconds": 4.0,
                }
            )
    with platform.engine.begin() as connection:
        connection.execute(insert(CreatorHour.__table__), creator_rows)  # type: ignore[attr-defined]
        for start in range(0, len(video_rows), 50_000):
            chunk = video_rows[start : start + 50_000]
            connection.execute(insert(VideoHour.__table__), chunk)  # type: ignore[attr-defined]
    with platform.session() as session:
        for v in range(own):
            session.add(Video(id=f"bench{v:07d}", owner_id=1, title=f"video {v}"))
        session.commit()
    timings = []
    for _ in range(queries):
        with platform.session(read_only=True) as session:
            started = time.perf_counter()
            stats.creator_overview(session, creator_id=1, days=366)
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--txns", type=int, default=400)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="sf-analytics-bench-"))
    on, off = project(root, "on", analytics=True), project(root, "off", analytics=False)
    try:
        single: dict[str, list[float]] = {"on": [], "off": []}
        batch: dict[str, list[float]] = {"on": [], "off": []}
        batch_txns = max(args.txns // 10, 10)
        for _ in range(args.rounds):
            for name, platform in (("off", off), ("on", on)):
                single[name].append(transactions(platform, args.txns, 1) / args.txns)
                batch[name].append(transactions(platform, batch_txns, EVENTS_PER_TXN))
        ms = {k: [v * 1000 for v in vals] for k, vals in single.items()}
        on_ms, off_ms = statistics.median(ms["on"]), statistics.median(ms["off"])
        print("| one-event transaction | median ms | min | max |")
        print("|---|---|---|---|")
        for name in ("off", "on"):
            print(f"| analytics {name} | {statistics.median(ms[name]):.3f} | "
                  f"{min(ms[name]):.3f} | {max(ms[name]):.3f} |")  # fmt: skip
        print(f"\nadded per transaction: {on_ms - off_ms:.3f} ms "
              f"({(on_ms - off_ms) / off_ms:+.1%} of the baseline transaction)")  # fmt: skip
        rates = [
            batch_txns * EVENTS_PER_TXN / (b_on - b_off)
            for b_on, b_off in zip(batch["on"], batch["off"], strict=True)
            if b_on > b_off
        ]
        total = [batch_txns * EVENTS_PER_TXN / t for t in batch["on"]]
        print(
            f"\ningestion (100 events per transaction): marginal "
            f"{statistics.median(rates):,.0f} events/s (min {min(rates):,.0f}, max "
            f"{max(rates):,.0f}); whole transactions {statistics.median(total):,.0f} events/s"
        )
        timings = sorted(t * 1000 for t in dashboard(on, args.videos, args.queries))
        p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
        median = statistics.median(timings)
        print(
            f"\ndashboard: creator_overview(days=366), {args.videos:,} videos: "
            f"p50 {median:.1f} ms, p99 {p99:.1f} ms, max {timings[-1]:.1f} ms"
        )
    finally:
        on.stop()
        off.stop()


if __name__ == "__main__":
    main()
