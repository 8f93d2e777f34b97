"""Search at scale: the built-in ``sql`` backend on PostgreSQL, 100k users / 1M posts.

Starts the platform as the README tells users: ``socialflow new`` a project
in a temporary folder, ``socialflow migrate`` and ``socialflow seed`` against
a fresh PostgreSQL database, then ``socialflow serve`` (default settings,
its embedded worker). Beside it, in the same run, a bare FastAPI JSON
endpoint (``benchmarks/_apps.py``) is served by uvicorn. Requests come from
outside, over HTTP on 127.0.0.1, one at a time, in alternating rounds:
bare, posts-by-words, users-by-prefix, users-by-typo (pg_trgm), bare, ... so
that load on the machine falls on all four alike. Reports p50/p95/p99 per kind
over all rounds and the spread of per-round medians, and writes JSON to
``benchmarks/results``.

    python benchmarks/search_scale.py                       # 100k users / 1M posts
    python benchmarks/search_scale.py --users 2000 --posts 20000 --rounds 3   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLI = str(Path(sys.executable).with_name("socialflow"))


def vocabulary(url: str) -> tuple[list[str], list[str], list[str]]:
    """Words of seeded posts, 2-4 letter prefixes of seeded usernames and usernames
    with two letters swapped (typos), drawn from a sample of the rows (the seed's
    text comes from Faker pools)."""
    engine = create_engine(url)
    rng = random.Random(2)
    with engine.connect() as connection:
        texts = connection.execute(text("SELECT text FROM posts ORDER BY id LIMIT 500")).scalars()
        names = connection.execute(text("SELECT username FROM users ORDER BY id LIMIT 500"))
        words = sorted({w.strip(".,!?#@").lower() for t in texts for w in t.split()})
        usernames = [row[0] for row in names]
    engine.dispose()
    words = [w for w in words if w.isalpha() and len(w) >= 4]
    prefixes = [name[: rng.choice([2, 3, 4])].lower() for name in usernames]
    typos = [typo(name.lower(), rng) for name in usernames if len(name) >= 5]
    return (
        rng.sample(words, min(40, len(words))),
        rng.sample(prefixes, min(40, len(prefixes))),
        rng.sample(typos, min(40, len(typos))),
    )


def typo(name: str, rng: random.Random) -> str:
    """``name`` with two neighbouring letters swapped (not the first two)."""
    at = rng.randrange(1, len(name) - 1)
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def database(keep: bool) -> Iterator[str]:
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"sf_search_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True)
    return round(time.perf_counter() - started, 1)


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def started(command: list[str], env: dict[str, str], cwd: Path, probe: str) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, cwd=cwd)
    try:
        wait_up(probe, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> float:
    begin = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = (time.perf_counter() - begin) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100, help="per kind per round")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    results: dict[str, Any] = {"users": args.users, "posts": args.posts, "rounds": args.rounds}
    folder = Path(tempfile.mkdtemp(prefix="sf_search_bench_"))
    project = folder / "site"
    try:
        with database(args.keep) as url:
            env = {**os.environ, "SOCIALFLOW_DATABASE_URL": url}
            run([CLI, "new", str(project)], env, folder)
            env["SOCIALFLOW_PROJECT_DIR"] = str(project)
            results["migrate_seconds"] = run([CLI, "migrate"], env, project)
            results["seed_seconds"] = run(
                [
                    CLI,
                    "seed",
                    "--users",
                    str(args.users),
                    "--posts",
                    str(args.posts),
                    "--seed",
                    "1",
                    "--analytics-days",
                    "0",
                ],
                env,
                project,
            )
            print("seeded in", results["seed_seconds"], "s", flush=True)
            words, prefixes, typos = vocabulary(url)
            results["words"], results["prefixes"], results["typos"] = words, prefixes, typos
            app_port, bare_port = free_port(), free_port()
            serve = [CLI, "serve", "--port", str(app_port)]
            bare = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "benchmarks._apps:bare",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
            app = f"http://127.0.0.1:{app_port}"
            base = f"http://127.0.0.1:{bare_port}"
            bare_env = {**env, "PYTHONPATH": str(ROOT)}
            with (
                started(serve, env, project, f"{app}/api/v1/search?q=warmup"),
                started(bare, bare_env, ROOT, f"{base}/json"),
                httpx.Client(timeout=30) as client,
            ):
                results.update(measure(client, app, base, args, words, prefixes, typos))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(results)
    out = HERE / "results" / f"search-{args.users}-{args.posts}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("wrote", out)


def measure(
    client: httpx.Client,
    app: str,
    base: str,
    args: argparse.Namespace,
    words: list[str],
    prefixes: list[str],
    typos: list[str],
) -> dict[str, Any]:
    rng = random.Random(1)
    search = f"{app}/api/v1/search"
    kinds: dict[str, list[float]] = {
        "bare /json": [],
        "posts by words": [],
        "users by prefix": [],
        "users by typo": [],
    }
    medians: dict[str, list[float]] = {kind: [] for kind in kinds}
    hits: dict[str, list[int]] = {kind: [] for kind in kinds if kind != "bare /json"}
    for _ in range(20):  # warm-up: connection pools, plans, caches of both servers
        timed(client, f"{base}/json")
        timed(client, search, {"q": rng.choice(words), "type": "posts"})
    for _ in range(args.rounds):
        for kind in kinds:
            samples = []
            for _ in range(args.requests):
                if kind == "bare /json":
                    samples.append(timed(client, f"{base}/json"))
                    continue
                if kind == "posts by words":
                    picked = rng.sample(words, rng.choice([1, 1, 2]))
                    params = {"q": " ".join(picked), "type": "posts"}
                elif kind == "users by prefix":
                    params = {"q": rng.choice(prefixes), "type": "users"}
                else:
                    params = {"q": rng.choice(typos), "type": "users"}
                samples.append(timed(client, search, params))
                if len(samples) == 1:
                    found = client.get(search, params=params).json()["items"]
                    hits[kind].append(len(found))
            kinds[kind] += samples
            medians[kind].append(statistics.median(samples))
    return {
        "latency_ms": {
            kind: {
                "p50": round(percentile(values, 50), 2),
                "p95": round(percentile(values, 95), 2),
                "p99": round(percentile(values, 99), 2),
                "round_medians": [round(m, 2) for m in medians[kind]],
            }
            for kind, values in kinds.items()
        },
        "first_page_sizes": hits,
    }


def report(results: dict[str, Any]) -> None:
    print(f"\n{results['users']:,} users / {results['posts']:,} posts")
    bare = results["latency_ms"]["bare /json"]["p50"]
    print(f"{'':18} {'p50':>8} {'p95':>8} {'p99':>8} {'p50/bare':>9}  round medians")
    for kind, row in results["latency_ms"].items():
        print(
            f"{kind:18} {row['p50']:8.2f} {row['p95']:8.2f} {row['p99']:8.2f} "
            f"{row['p50'] / bare:9.1f}  {row['round_medians']}"
        )


if __name__ == "__main__":
    main()
