"""Social benchmark: seed time, home-feed throughput vs a bare FastAPI endpoint,
feed latency against following count and page depth, posting and fan-out time.

Runs against PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end
unless ``--keep``), optionally with Redis timelines (``--redis``). The server is
a real uvicorn process pinned to CPU 0, wrk runs on CPU 1; the bare FastAPI
JSON endpoint is measured the same way in the same run, so the ratio holds on
a busy machine.

    python benchmarks/social_bench.py                      # 10k users / 100k posts
    python benchmarks/social_bench.py --full               # 100k users / 1M posts
    python benchmarks/social_bench.py --users 2000 --posts 20000 --duration 3

Writes ``benchmarks/results/social-<users>-<posts>.json`` and
``benchmarks/social_feed_latency.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def database(keep: bool):
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"sf_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def serve(factory: str, project: Path, cpu: str = "0", **extra_env: str):
    port = free_port()
    env = {
        **os.environ,
        "SOCIALFLOW_PROJECT_DIR": str(project),
        "PYTHONPATH": str(ROOT),
        **extra_env,
    }
    command = [
        "taskset",
        "-c",
        cpu,
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def wrk(
    url: str,
    *,
    duration: int,
    connections: int,
    token: str | None = None,
    tokens_file: Path | None = None,
) -> dict[str, float]:
    """wrk on CPU 1; ``tokens_file`` (one token a line) makes each request use the next
    viewer's token in turn (benchmarks/rotate_tokens.lua)."""
    command = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    env = dict(os.environ)
    if tokens_file is not None:
        command += ["-s", str(HERE / "rotate_tokens.lua")]
        env["TOKENS_FILE"] = str(tokens_file)
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        value, unit = float(match.group(1)), match.group(2)  # type: ignore[union-attr]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def cache_counts(base: str) -> dict[str, float]:
    """Feed-cache hits, pages assembled from cached skeletons and posts, and misses so
    far, from the server's Prometheus metrics."""
    text_ = httpx.get(f"{base}/metrics", timeout=10).text
    counts = {"hit": 0.0, "assembled": 0.0, "miss": 0.0}
    for result in counts:
        match = re.search(
            rf'socialflow_feed_cache_requests_total{{result="{result}"}} ([\d.e+]+)', text_
        )
        counts[result] = float(match.group(1)) if match else 0.0
    return counts


def timed_get(
    client: httpx.Client, path: str, token: str, **params: Any
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {token}"}, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


@contextmanager
def liking(api: str, targets: list[tuple[str, int]], per_second: float):
    """While the block runs, like (or unlike again) posts at ``per_second``: each a
    viewer's token and a post on their first page, so feeds see counters move and
    the likers' cached pages go stale, as on a live site. Yields a dict whose
    ``done`` is the number of likes and unlikes sent."""
    import threading

    state: dict[str, Any] = {"done": 0, "errors": 0}
    stop = threading.Event()

    def run() -> None:
        liked: set[int] = set()
        with httpx.Client(base_url=api, timeout=30) as client:
            index = 0
            started = time.monotonic()
            while not stop.is_set():
                token, post_id = targets[index % len(targets)]
                method = "DELETE" if index in liked else "POST"
                response = client.request(
                    method, f"/posts/{post_id}/like", headers={"Authorization": f"Bearer {token}"}
                )
                state["errors"] += response.status_code != 200
                liked ^= {index}
                index += 1
                state["done"] = index
                stop.wait(max(0.0, started + index / per_second - time.monotonic()))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="100k users / 1M posts (long)")
    parser.add_argument("--redis", action="store_true", help="Redis timelines")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--fanout-threshold", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--star-followers", type=int, default=0, help="make one account followed by this many"
    )
    parser.add_argument(
        "--force-fanout", action="store_true", help="fan the star's posts out on write"
    )
    parser.add_argument(
        "--database-url", help="use this already seeded database (no seeding, nothing dropped)"
    )
    parser.add_argument(
        "--likes-per-second",
        type=float,
        default=20.0,
        help="likes sent during the '1000 viewers with likes' run",
    )
    args = parser.parse_args()
    if args.full:
        args.users, args.posts = 100_000, 1_000_000

    from socialflow.accounts.tokens import issue_access_token
    from socialflow.core.platform import Platform
    from socialflow.core.settings import load_settings
    from socialflow.demo.seed import SeedPlan, seed
    from socialflow.testing import toml
    from socialflow.testing.database import migrate_url

    results: dict[str, Any] = {
        "users": args.users,
        "posts": args.posts,
        "redis": args.redis,
        "fanout_threshold": args.fanout_threshold,
    }
    project = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    seeded_elsewhere = args.database_url is not None
    with nullcontext(args.database_url) if seeded_elsewhere else database(args.keep) as url:
        values: dict[str, Any] = {
            "environment": "test",
            "secret_key": "bench-secret-key-long-enough-0123456789abcdef",
            "database_url": url,
            "log_level": "WARNING",
            "fanout_threshold": args.fanout_threshold,
            "database_pool_size": 20,
            # Celery on Redis (a database index of its own), as PostgreSQL deployments run it;
            # the embedded SQLite broker polls and would dominate the fan-out time.
            "broker_url": "redis://127.0.0.1:6379/7",
        }
        if args.redis:
            values["redis_url"] = "redis://127.0.0.1:6379/0"
            values["redis_namespace"] = f"sfbench-{uuid.uuid4().hex[:6]}"
        toml.write(project / "socialflow.toml", values)
        # Celery's result backend stays the embedded SQLite file when only the broker
        # is Redis; its folder is created only for the SQLite broker, so make it here.
        (project / ".socialflow").mkdir(exist_ok=True)
        migrate_url(url, project)
        settings = load_settings(project)
        platform = Platform(settings).start()

        if seeded_elsewhere:
            results["seed_seconds"] = None
        else:
            started = time.perf_counter()
            report = seed(platform, SeedPlan(users=args.users, posts=args.posts, seed=1))
            results["seed_seconds"] = round(time.perf_counter() - started, 1)
            results["seed_phases"] = report.seconds
            results["seeded"] = {
                k: getattr(report, k)
                for k in ("users", "follows", "posts", "likes", "comments", "timeline_entries")
            }
        print("seeded", results["seed_seconds"], "s", results.get("seed_phases"), flush=True)

        with platform.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # fresh statistics (committed, not rolled back)
            rows = connection.execute(
                text(
                    "SELECT id, following_count, follower_count FROM users ORDER BY following_count"
                )
            ).all()
        token = lambda uid: issue_access_token(settings, user_id=uid, token_version=0)  # noqa: E731
        median_user = rows[len(rows) // 2]
        heavy_user = rows[-1]

        viewers = [rows[int(q * (len(rows) - 1))] for q in [i / 999 for i in range(1000)]]
        tokens_file = project / "tokens.txt"
        tokens_file.write_text("\n".join(token(r.id) for r in viewers) + "\n")
        run = lambda url, **kw: wrk(  # noqa: E731
            url, duration=args.duration, connections=args.connections, **kw
        )

        # The page a median reader gets, for the second bare baseline.
        page_file = project / "page.json"
        with (
            serve("benchmarks._apps:social", project) as base,
            httpx.Client(base_url=f"{base}/api/v1", timeout=30) as client,
        ):
            page = timed_get(client, "/feed/home", token(median_user.id))[1]
            page_file.write_text(json.dumps(page))

        with serve("benchmarks._apps:bare", project, BENCH_PAGE_FILE=str(page_file)) as bare_url:
            run(f"{bare_url}/json")  # warm-up
            results["bare_json"] = run(f"{bare_url}/json")
            results["bare_page"] = run(f"{bare_url}/page")
        print("bare", results["bare_json"], results["bare_page"], flush=True)

        with serve("benchmarks._apps:social", project) as base:
            api = f"{base}/api/v1"
            with httpx.Client(base_url=api, timeout=30) as client:
                timed_get(client, "/feed/home", token(median_user.id))  # warm up
                results["home_one_viewer"] = run(f"{api}/feed/home", token=token(median_user.id))
                print("home, one viewer", results["home_one_viewer"], flush=True)
                # Each viewer once, as a server that has been up a while has seen them
                # (with Redis timelines, this also builds them from the graph).
                started = time.perf_counter()
                first_pages = [timed_get(client, "/feed/home", token(row.id))[1] for row in viewers]
                results["warm_up_seconds"] = round(time.perf_counter() - started, 1)
                targets = [
                    (token(row.id), page["items"][0]["id"])
                    for row, page in zip(viewers, first_pages, strict=True)
                    if page["items"]
                ]

                def rotation(name: str) -> None:
                    before = cache_counts(base)
                    results[name] = run(f"{api}/feed/home", tokens_file=tokens_file)
                    after = cache_counts(base)
                    moved = {k: after[k] - before[k] for k in after}
                    served = max(sum(moved.values()), 1)
                    results[name]["cache_hit_ratio"] = round(moved["hit"] / served, 3)
                    results[name]["assembled_ratio"] = round(moved["assembled"] / served, 3)
                    print(name, results[name], flush=True)

                rotation("home_1000_viewers")
                with liking(api, targets, args.likes_per_second) as likes:
                    started = time.perf_counter()
                    rotation("home_1000_viewers_with_likes")
                    elapsed = time.perf_counter() - started
                results["home_1000_viewers_with_likes"]["likes_per_second"] = round(
                    likes["done"] / elapsed, 1
                )
                results["home_1000_viewers_with_likes"]["like_errors"] = likes["errors"]
                results["explore_page1"] = run(f"{api}/feed/explore", token=token(median_user.id))
                print("explore", results["explore_page1"], flush=True)
                cached_samples = [
                    timed_get(client, "/feed/home", token(median_user.id))[0] for _ in range(200)
                ]
                results["home_cached_latency"] = {
                    "p50_ms": round(statistics.median(cached_samples), 2),
                    "p99_ms": round(percentile(cached_samples, 99), 2),
                }

        # Every page built afresh: the cache turned off.
        with serve("benchmarks._apps:social", project, SOCIALFLOW_FEED_CACHE_SECONDS="0") as base:
            api = f"{base}/api/v1"
            with httpx.Client(base_url=api, timeout=30) as client:
                timed_get(client, "/feed/home", token(median_user.id))  # warm up
                results["home_uncached"] = run(f"{api}/feed/home", tokens_file=tokens_file)
                print("home, uncached", results["home_uncached"], flush=True)

                # Latency against following count: users at eight quantiles.
                by_following = []
                for q in (0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.97, 1.0):
                    row = rows[min(len(rows) - 1, int(q * (len(rows) - 1)))]
                    samples = [timed_get(client, "/feed/home", token(row.id))[0] for _ in range(25)]
                    by_following.append(
                        {
                            "following": row.following_count,
                            "p50_ms": round(statistics.median(samples), 2),
                            "p99_ms": round(percentile(samples, 99), 2),
                        }
                    )
                results["latency_by_following"] = by_following
                print("by following", by_following, flush=True)

                # Latency against page depth for the heaviest reader.
                depth_samples: dict[int, list[float]] = {}
                for _ in range(5):
                    cursor = None
                    for depth in range(1, 21):
                        params = {"cursor": cursor} if cursor else {}
                        elapsed, body = timed_get(
                            client, "/feed/home", token(heavy_user.id), **params
                        )
                        depth_samples.setdefault(depth, []).append(elapsed)
                        cursor = body["next_cursor"]
                        if not cursor:
                            break
                results["latency_by_depth"] = [
                    {"page": d, "p50_ms": round(statistics.median(s), 2)}
                    for d, s in sorted(depth_samples.items())
                ]
                print("by depth", results["latency_by_depth"], flush=True)
        for name in (
            "bare_page",
            "home_one_viewer",
            "home_1000_viewers",
            "home_1000_viewers_with_likes",
            "home_uncached",
        ):
            results[f"{name}_vs_bare"] = round(
                results[name]["rps"] / results["bare_json"]["rps"], 3
            )

        # Posting as the most followed account, with a worker doing the fan-out.
        # --star-followers N first makes one account followed by N users, and
        # --force-fanout raises the threshold so even it is fanned out on write.
        if args.star_followers:
            with platform.engine.begin() as connection:
                star_id = rows[0].id
                connection.execute(
                    text(
                        "INSERT INTO follows (follower_id, followee_id, created_at) "
                        "SELECT id, :s, now() FROM users WHERE id <> :s ORDER BY id LIMIT :n "
                        "ON CONFLICT DO NOTHING"
                    ),
                    {"s": star_id, "n": args.star_followers},
                )
                connection.execute(
                    text(
                        "UPDATE users SET follower_count = "
                        "(SELECT count(*) FROM follows WHERE followee_id = :s) WHERE id = :s"
                    ),
                    {"s": star_id},
                )
        with platform.engine.connect() as connection:
            star = connection.execute(
                text("SELECT id, follower_count FROM users ORDER BY follower_count DESC LIMIT 1")
            ).one()
        threshold = args.fanout_threshold
        if args.force_fanout:
            threshold = max(threshold, star.follower_count + 1)
        fanout_env = {"SOCIALFLOW_FANOUT_THRESHOLD": str(threshold)}
        with serve("benchmarks._apps:social", project, **fanout_env) as base:
            api = f"{base}/api/v1"
            worker_env = {**os.environ, "SOCIALFLOW_PROJECT_DIR": str(project), **fanout_env}
            worker = subprocess.Popen(
                [sys.executable, "-m", "socialflow", "worker", "--concurrency", "2"],
                env=worker_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(6)
                latencies = []
                with httpx.Client(base_url=api, timeout=30) as client:
                    for i in range(10):
                        started = time.perf_counter()
                        response = client.post(
                            "/posts",
                            json={"text": f"benchmark post {i} #bench"},
                            headers={"Authorization": f"Bearer {token(star.id)}"},
                        )
                        latencies.append((time.perf_counter() - started) * 1000)
                        response.raise_for_status()
                    post_id = response.json()["id"]
                store = __import__("socialflow.feeds.timelines", fromlist=["x"]).timeline_store(
                    platform
                )
                with platform.engine.connect() as connection:
                    followers = [
                        r[0]
                        for r in connection.execute(
                            text(
                                "SELECT follower_id FROM follows WHERE followee_id = :s "
                                "ORDER BY follower_id"
                            ),
                            {"s": star.id},
                        )
                    ]
                # The first, middle and last followers: in the first, a middle
                # and the last fan-out chunk.
                sample = [followers[0], followers[len(followers) // 2], followers[-1]]
                fanned = star.follower_count < threshold

                def reached(post: int, deadline_s: float) -> float | None:
                    began, deadline = time.perf_counter(), time.monotonic() + deadline_s
                    while time.monotonic() < deadline:
                        with platform.session() as session:
                            if all(post in store.page(session, u, None, 50) for u in sample):
                                return round(time.perf_counter() - began, 2)
                        time.sleep(0.1)
                    return None

                backlog = reached(post_id, 900) if fanned else 0.0
                with httpx.Client(base_url=api, timeout=30) as client:
                    started = time.perf_counter()
                    response = client.post(
                        "/posts",
                        json={"text": "one more, on an idle queue #bench"},
                        headers={"Authorization": f"Bearer {token(star.id)}"},
                    )
                    single_post_ms = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                single = reached(response.json()["id"], 300) if fanned else 0.0
                results["post_as_star"] = {
                    "followers": star.follower_count,
                    "fanned_out_on_write": fanned,
                    "post_p50_ms": round(statistics.median(latencies), 1),
                    "post_max_ms": round(max(latencies), 1),
                    "ten_posts_fanned_out_s": backlog,
                    "one_post_ms": round(single_post_ms, 1),
                    "one_post_fanned_out_s": single,
                }
                print("post", results["post_as_star"], flush=True)
            finally:
                worker.terminate()
                worker.wait(15)
        platform.stop()

    out = HERE / "results"
    out.mkdir(exist_ok=True)
    suffix = "-redis" if args.redis else ""
    (out / f"social-{args.users}-{args.posts}{suffix}.json").write_text(
        json.dumps(results, indent=2)
    )
    plot(results, HERE / f"social_feed_latency{suffix}.png")
    shutil.rmtree(project, ignore_errors=True)
    print(json.dumps(results, indent=2))


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(18, 4.8))
    following = results["latency_by_following"]
    left.plot(
        [r["following"] for r in following], [r["p50_ms"] for r in following], "o-", label="p50"
    )
    left.plot(
        [r["following"] for r in following],
        [r["p99_ms"] for r in following],
        "s--",
        label="p99 (slowest of 25)",
    )
    left.set_xscale("log")
    left.set_ylim(bottom=0)
    left.set_xlabel("accounts the viewer follows")
    left.set_ylabel("home page latency, uncached (ms)")
    left.set_title("Home feed vs following count")
    left.legend()
    depth = results["latency_by_depth"]
    middle.plot([r["page"] for r in depth], [r["p50_ms"] for r in depth], "o-")
    middle.set_ylim(bottom=0)
    middle.set_xlabel("page depth (20 posts a page)")
    middle.set_ylabel("p50 latency, uncached (ms)")
    middle.set_title("Home feed vs page depth (heaviest reader)")
    bars = [
        ("bare\n/json", "bare_json"),
        ("bare\nsame page", "bare_page"),
        ("home\n1 viewer", "home_one_viewer"),
        ("home\n1000 viewers", "home_1000_viewers"),
        ("home 1000\n+ likes", "home_1000_viewers_with_likes"),
        ("home\nuncached", "home_uncached"),
    ]
    right.bar([label for label, _ in bars], [results[key]["rps"] for _, key in bars])
    right.tick_params(axis="x", labelsize=8)
    right.set_ylabel("requests/s (wrk, one server core)")
    right.set_title("Throughput, same run")
    fig.suptitle(
        f"socialflow, PostgreSQL, {results['users']:,} users / {results['posts']:,} posts"
        + (" + Redis timelines" if results["redis"] else "")
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
