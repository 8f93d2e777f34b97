"""Analytics on the user's path: beacon overhead, ingestion, the creator dashboard.

``python benchmarks/analytics_ingest.py [--rounds 5] [--beacons 200] [--seconds 10]
[--videos 100000] [--queries 60]``

Two projects made as users make them (``socialflow new``, ``socialflow migrate``,
default settings: SQLite), one as made (analytics on) and one with
``disabled_apps = ["analytics"]``, each run by ``socialflow serve`` (defaults:
one API process, the embedded worker) on a free port, beside a bare FastAPI app
(uvicorn, ``benchmarks/_apps.py``) in the same run. Measured from outside, over
HTTP, rounds alternating between the servers:

* **beacon overhead**: ``--beacons`` sequential ``POST /videos/{id}/views`` (a new
  viewer each time) on the project with analytics and on the one without; the
  difference of the medians is what analytics adds to the request a beacon rides on.
* **ingestion**: 16 concurrent clients sending beacons for ``--seconds``: requests
  per second on and off; and the batch path itself from the served process's
  ``/metrics``: raw events written per second of write time
  (``socialflow_analytics_events_written_total`` over
  ``socialflow_analytics_buffer_write_seconds_total``).
* **dashboard**: a year of history for ``--videos`` videos loaded with Core inserts
  (the measured creator owns 200, with a row per day; the others a row per month),
  days summed by the rollup's own code, then ``GET /analytics/creator/overview?days=366``
  ``--queries`` times per round beside the bare app's ``GET /json``: p50, p95, p99.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.social_bench import free_port, percentile  # noqa: E402

CLI = [sys.executable, "-m", "socialflow"]
VIDEO = "benchbeacon0000"
OWN = 200


def make_project(root: Path, name: str, *, analytics: bool) -> Path:
    from socialflow.testing import toml

    project = root / name
    subprocess.run([*CLI, "new", str(project)], check=True, stdout=subprocess.DEVNULL)
    if not analytics:
        config = tomllib.loads((project / "socialflow.toml").read_text())
        config["disabled_apps"] = ["analytics"]
        toml.write(project / "socialflow.toml", config)
    subprocess.run([*CLI, "migrate", "-C", str(project)], check=True, stdout=subprocess.DEVNULL)
    return project


def load(project: Path, videos: int, history: bool) -> None:
    """Users 1 (the creator) and 2, a ready video for beacons and, with ``history``,
    a year of rollups for ``videos`` videos (Core inserts, days summed by the rollup)."""
    from sqlalchemy import create_engine, insert
    from sqlmodel import Session

    from socialflow.accounts.models import User
    from socialflow.core.settings import load_settings
    from socialflow.video.models import Video

    engine = create_engine(str(load_settings(project).database_url))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(User.__table__),  # type: ignore[attr-defined]
            [
                {"id": i, "username": f"u{i}", "username_key": f"u{i}",
                 "email": f"u{i}@example.com", "state": "active", "created_at": now}
                for i in (1, 2)
            ],
        )  # fmt: skip
        video = {"owner_id": 1, "status": "ready", "visibility": "public", "duration": 60.0}
        connection.execute(
            insert(Video.__table__),  # type: ignore[attr-defined]
            [{"id": VIDEO, "title": "beacon", **video}]
            + ([{"id": f"bench{v:07d}", "title": f"video {v}", **video} for v in range(OWN)]
               if history else []),
        )  # fmt: skip
    if history:
        from socialflow.analytics import rollup

        hour = now.replace(minute=0, second=0, microsecond=0)
        creator_rows = [
            {"creator_id": 1, "hour": hour - timedelta(hours=h), "views": 3,
             "watch_seconds": 9.0, "likes": 1, "unlikes": 0, "comments": 0, "shares": 0,
             "follows_gained": 0, "follows_lost": 0}
            for h in range(366 * 24)
        ]  # fmt: skip
        with engine.begin() as connection:
            connection.execute(insert(rollup.CREATOR_HOURS), creator_rows)
            rows: list[dict[str, Any]] = []
            for v in range(videos):
                mine = v < OWN
                for step in range(365 if mine else 12):
                    rows.append(
                        {"video_id": f"bench{v:07d}",
                         "hour": hour - timedelta(days=step if mine else 30 * step),
                         "creator_id": 1 if mine else 2 + v % 1000, "views": 1 + v % 7,
                         "viewers": 1, "watch_seconds": 4.0}
                    )  # fmt: skip
                if len(rows) >= 50_000:
                    connection.execute(insert(rollup.VIDEO_HOURS), rows)
                    rows = []
            if rows:
                connection.execute(insert(rollup.VIDEO_HOURS), rows)
        with Session(engine) as session:
            for back in range(367):
                rollup.sum_hours_into_day(session, hour.date() - timedelta(days=back))
            session.commit()
    engine.dispose()


@contextmanager
def serve(command: list[str], port: int, ready: str) -> Iterator[str]:
    env = {**os.environ, "SOCIALFLOW_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + ready, timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command} did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def socialflow_serve(project: Path, port: int) -> Any:
    return serve([*CLI, "serve", "-C", str(project), "--port", str(port)], port, "/healthz")


def beacons(base: str, count: int, tag: str) -> list[float]:
    """Milliseconds of ``count`` sequential beacons, a new viewer (User-Agent) each."""
    out = []
    with httpx.Client(base_url=base + "/api/v1", timeout=60) as client:
        for i in range(count):
            headers = {"User-Agent": f"bench-{tag}-{i}"}
            body = {"watched_seconds": 5, "position": 5, "source": "feed"}
            started = time.perf_counter()
            response = client.post(f"/videos/{VIDEO}/views", json=body, headers=headers)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return out


def flood(base: str, seconds: float, tag: str, clients: int = 16) -> float:
    """Beacons per second from ``clients`` concurrent clients for ``seconds``."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(n: int) -> None:
        with httpx.Client(base_url=base + "/api/v1", timeout=60) as client:
            i = 0
            while time.monotonic() < stop:
                headers = {"User-Agent": f"flood-{tag}-{n}-{i}"}
                response = client.post(
                    f"/videos/{VIDEO}/views", json={"watched_seconds": 1}, headers=headers
                )
                assert response.status_code == 200, response.text
                done[n] += 1
                i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def metric(base: str, name: str) -> float:
    text = httpx.get(base + "/metrics", timeout=30).text
    found = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def timed_gets(base: str, path: str, count: int, headers: dict[str, str]) -> list[float]:
    out = []
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(path)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return out


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.2f} ({min(values):,.2f}-{max(values):,.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--beacons", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    from socialflow.accounts.tokens import issue_access_token
    from socialflow.core.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="sf-analytics-bench-") as folder:
        root = Path(folder)
        on = make_project(root, "on", analytics=True)
        off = make_project(root, "off", analytics=False)
        started = time.perf_counter()
        load(on, args.videos, history=True)
        load(off, 0, history=False)
        print(f"loaded a year of rollups for {args.videos:,} videos in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        ports = {"on": free_port(), "off": free_port(), "bare": free_port()}
        settings = load_settings(on)
        settings.public_url = f"http://127.0.0.1:{ports['on']}"
        token = issue_access_token(settings, user_id=1, token_version=0)
        auth = {"Authorization": f"Bearer {token}"}
        bare_cmd = [sys.executable, "-m", "uvicorn", "benchmarks._apps:bare", "--factory",
                    "--port", str(ports["bare"]), "--log-level", "warning"]  # fmt: skip
        beacon_ms: dict[str, list[float]] = {"off": [], "on": []}
        rates: dict[str, list[float]] = {"off": [], "on": []}
        batch_rates: list[float] = []
        dash: dict[str, list[float]] = {"bare GET /json": [], "creator overview, 366 days": []}
        with (
            socialflow_serve(on, ports["on"]) as on_url,
            socialflow_serve(off, ports["off"]) as off_url,
            serve(bare_cmd, ports["bare"], "/json") as bare_url,
        ):
            os.chdir(ROOT)
            urls = {"on": on_url, "off": off_url}
            beacons(on_url, 20, "warm")
            beacons(off_url, 20, "warm")
            for r in range(args.rounds):
                for name in ("off", "on") if r % 2 == 0 else ("on", "off"):
                    beacon_ms[name].append(statistics.median(beacons(urls[name], args.beacons,
                                                                     f"{r}")))  # fmt: skip
                for name in ("off", "on") if r % 2 == 0 else ("on", "off"):
                    written = metric(on_url, "socialflow_analytics_events_written_total")
                    spent = metric(on_url, "socialflow_analytics_buffer_write_seconds_total")
                    rates[name].append(flood(urls[name], args.seconds, f"{r}"))
                    if name == "on":
                        time.sleep(2)  # the last interval's batch
                        more = metric(on_url, "socialflow_analytics_events_written_total")
                        took = metric(on_url, "socialflow_analytics_buffer_write_seconds_total")
                        if took > spent:
                            batch_rates.append((more - written) / (took - spent))
                for _ in range(args.queries):
                    dash["bare GET /json"] += timed_gets(bare_url, "/json", 1, {})
                    dash["creator overview, 366 days"] += timed_gets(
                        on_url, "/api/v1/analytics/creator/overview?days=366", 1, auth
                    )
    print(f"\nbeacon, sequential ({args.beacons} per round, {args.rounds} rounds): median ms "
          "per round (min-max of the round medians)")  # fmt: skip
    for name in ("off", "on"):
        print(f"| analytics {name} | {spread(beacon_ms[name])} |")
    on_ms, off_ms = statistics.median(beacon_ms["on"]), statistics.median(beacon_ms["off"])
    print(f"added by analytics: {on_ms - off_ms:+.2f} ms ({(on_ms - off_ms) / off_ms:+.1%})")
    print(f"\nbeacons per second, 16 clients, {args.seconds:.0f} s a round:")
    for name in ("off", "on"):
        print(f"| analytics {name} | {spread(rates[name])} |")
    if batch_rates:
        print(f"batch path (served process): {spread(batch_rates)} events per second of "
              "write time")  # fmt: skip
    print(f"\ndashboard ({args.videos:,} videos), ms:")
    print("| request | p50 | p95 | p99 | max | samples |")
    print("|---|---|---|---|---|---|")
    for name, values in dash.items():
        print(f"| {name} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | "
              f"{percentile(values, 99):.1f} | {max(values):.1f} | {len(values)} |")  # fmt: skip


if __name__ == "__main__":
    main()
