"""Ranker scoring and recommendation serving at 100k users, beside the chronological ranker.

Two parts, one run:

1. **Scoring** (in process): 1,000 feed candidates with their features, ranked by
   ``chronological``, ``engagement`` and ``personalized`` (untrained, then trained),
   rounds alternating; median and spread in microseconds.
2. **Serving** (over HTTP): a project made as users make one (``socialflow new``,
   ``socialflow migrate``), loaded with ``--users`` users, ``--posts`` posts and
   ``--events`` logged watches with planted communities, the recommender trained
   with ``socialflow recommendations train`` (timed), then ``socialflow serve`` on
   an ephemeral port; requests alternate between ``GET /feed/explore`` (the
   chronological baseline) and ``GET /recommendations/videos`` for random
   viewers; medians and p90 in milliseconds.

    .venv/bin/pip install -e plugins/socialflow-ml
    .venv/bin/python benchmarks/recommendations_bench.py --users 100000
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.social_bench import free_port, percentile  # noqa: E402

CLI = [sys.executable, "-m", "socialflow"]


def scoring(rounds: int) -> dict[str, list[float]]:
    from socialflow_ml.personalized import PersonalizedRanker
    from socialflow_ml.store import ModelStore

    from socialflow.builtins.rankers import ChronologicalRanker, EngagementRanker
    from socialflow.plugins.learning import RankExample
    from socialflow.plugins.protocols import FeedCandidate, FeedContext

    rng = random.Random(1)
    now = datetime.now(UTC)

    def pool() -> list[FeedCandidate]:
        return [
            FeedCandidate(
                post_id=str(i),
                author_id=str(rng.randrange(300)),
                created_at=now - timedelta(minutes=rng.randrange(5000)),
                like_count=rng.randrange(200),
                comment_count=rng.randrange(30),
                share_count=rng.randrange(10),
                view_count=rng.randrange(5000),
                features={
                    "author_affinity": rng.random() * 3,
                    "topic_interest": rng.random() * 2,
                    "watch_ratio": rng.random(),
                    "has_video": float(rng.random() < 0.5),
                },
            )
            for i in range(1000)
        ]

    context = FeedContext(feed="home", viewer_id="1", now=now)
    folder = Path(tempfile.mkdtemp(prefix="sf-rank-"))
    untrained = PersonalizedRanker(ModelStore(folder / "untrained"))
    trained = PersonalizedRanker(ModelStore(folder / "trained"))
    examples = [RankExample(c, context, float(c.features["author_affinity"] > 2)) for c in pool()]
    trained.fit(examples)
    rankers = {
        "chronological": ChronologicalRanker(),
        "engagement": EngagementRanker(),
        "personalized (fallback weights)": untrained,
        "personalized (trained)": trained,
    }
    candidates = pool()
    timings: dict[str, list[float]] = {name: [] for name in rankers}
    for _ in range(rounds):
        for name, ranker in rankers.items():
            started = time.perf_counter()
            ranker.rank(candidates, context)
            timings[name].append((time.perf_counter() - started) * 1e6)
    return timings


def load(project: Path, users: int, posts: int, events: int) -> None:
    """Bulk rows straight into the project's database (what seeding would take hours for)."""
    from sqlalchemy import create_engine, insert

    from socialflow.accounts.models import User
    from socialflow.core.settings import load_settings
    from socialflow.recommendations.logbook import EVENTS, row
    from socialflow.social.models import Post

    settings = load_settings(project)
    engine = create_engine(str(settings.database_url))
    rng = random.Random(2)
    now = datetime.now(UTC)
    authors = 500
    with engine.begin() as connection:
        batch = []
        for i in range(1, users + 1):
            batch.append(
                {
                    "id": i,
                    "username": f"u{i}",
                    "username_key": f"u{i}",
                    "email": f"u{i}@example.com",
                    "state": "active",
                    "created_at": now,
                }
            )
            if len(batch) == 20000:
                connection.execute(insert(User.__table__), batch)  # type: ignore[attr-defined]
                batch = []
        if batch:
            connection.execute(insert(User.__table__), batch)  # type: ignore[attr-defined]
        connection.execute(
            insert(Post.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": p,
                    "author_id": 1 + p % authors,
                    "text": f"post {p} #topic{p % 40}",
                    "entities": {"hashtags": [f"topic{p % 40}"], "mentions": [], "links": []},
                    "visibility": "public",
                    "created_at": now - timedelta(minutes=p),
                }
                for p in range(1, posts + 1)
            ],
        )
        by_community: dict[int, list[int]] = {}
        for p in range(1, posts + 1):
            by_community.setdefault(p % 40, []).append(p)
        rows = []
        for _ in range(events):
            viewer = rng.randrange(1, users + 1)
            community = viewer % 40 if rng.random() < 0.8 else rng.randrange(40)
            post = rng.choice(by_community[community])
            at = now - timedelta(hours=rng.randrange(1, 24 * 14))
            rows.append(
                row("watched", post, user_id=viewer, author_id=1 + post % authors,
                    watch_ratio=0.9, at=at)
            )  # fmt: skip
            if len(rows) == 50000:
                connection.execute(insert(EVENTS), rows)
                rows = []
        if rows:
            connection.execute(insert(EVENTS), rows)
    engine.dispose()


def serving(project: Path, users: int, requests: int) -> dict[str, list[float]]:
    from socialflow.accounts.tokens import issue_access_token
    from socialflow.core.settings import load_settings

    settings = load_settings(project)
    port = free_port()
    # `serve` issues tokens for where it listens: mint ours for the same issuer.
    settings.public_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SOCIALFLOW_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [*CLI, "serve", "-C", str(project), "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    rng = random.Random(3)
    timings: dict[str, list[float]] = {"explore (chronological)": [], "for you (als)": []}
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    client.get("/feed/explore")
                    break
                except httpx.HTTPError:
                    time.sleep(0.3)
            for i in range(requests + 20):
                viewer = rng.randrange(1, users + 1)
                token = issue_access_token(settings, user_id=viewer, token_version=0)
                headers = {"Authorization": f"Bearer {token}"}
                for name, path in (
                    ("explore (chronological)", "/feed/explore"),
                    ("for you (als)", "/recommendations/videos"),
                ):
                    started = time.perf_counter()
                    response = client.get(path, headers=headers, params={"limit": 20})
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.text
                    if i >= 20:  # warm-up
                        timings[name].append(elapsed)
    finally:
        server.terminate()
        server.wait(20)
    return timings


def report(title: str, timings: dict[str, list[float]], unit: str) -> None:
    print(f"\n{title}")
    print(f"| what | median {unit} | p10 | p90 | samples |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        print(
            f"| {name} | {statistics.median(values):,.1f} | {percentile(values, 10):,.1f} | "
            f"{percentile(values, 90):,.1f} | {len(values)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    report("Ranking 1,000 candidates", scoring(args.rounds), "us")
    with tempfile.TemporaryDirectory(prefix="sf-recs-") as folder:
        project = Path(folder) / "site"
        subprocess.run([*CLI, "new", str(project)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*CLI, "migrate", "-C", str(project)], check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        load(project, args.users, args.posts, args.events)
        print(f"\nloaded {args.users:,} users, {args.posts:,} posts, {args.events:,} events "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        subprocess.run([*CLI, "recommendations", "train", "-C", str(project)], check=True)
        print(
            f"recommender trained in {time.perf_counter() - started:.1f} s (CLI, start-up included)"
        )
        report(
            f"Serving at {args.users:,} users (HTTP, alternating)",
            serving(project, args.users, args.requests),
            "ms",
        )


if __name__ == "__main__":
    main()
