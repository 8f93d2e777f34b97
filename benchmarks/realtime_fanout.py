"""Realtime fan-out: socialflow's WebSocket hub against a raw ``websockets`` server, one run.

What it measures (docs/realtime.md describes the protocol):

1. **Fan-out to N clients**: ``--clients`` WebSocket clients (the
   ``websockets`` library, in ``--client-procs`` processes of their own,
   pinned to CPU 1) follow one post's topic ``post:<id>`` on a real
   ``socialflow serve`` (a ``socialflow new`` project, migrated, default
   settings, pinned to CPU 0), authenticated with access tokens from
   ``POST /auth/login`` of accounts made with ``socialflow users create``.
   Frames are triggered by liking and unliking the post through the HTTP API,
   one request at a time (each publishes a ``counters`` frame). The baseline,
   ``benchmarks/_realtime_baseline.py``, gets the same N clients and is
   triggered by a ``publish`` op on a control WebSocket; it calls
   ``websockets.broadcast()``. Rounds alternate the two servers. Measured:
   deliveries per **server CPU-second** (utime + stime of the server process
   and its children from /proc, before and after the round, the like
   requests and the embedded Celery worker included) at ``--load``
   deliveries/s asked; then the delivery latency (the like request's send
   time to each client's receipt, wall clock shared by the processes) at
   half of the load one server core can carry (half the deliveries per
   CPU-second the server showed).
2. **Two API processes behind Redis** (``--skip-redis`` to leave out): two
   ``socialflow serve`` processes on the same project with ``redis_url`` set
   (a namespace of their own), half the clients on each, frames triggered
   through A at the half-load rate of part 1: latency per side.
3. **Memory per idle connection**: RSS of the server with none vs N idle
   (subscribed) connections, divided by N; for both servers.

Writes ``benchmarks/results/realtime_fanout-<N>.json`` and
``realtime_fanout-<N>.png`` (``-nodeflate`` added with ``--no-deflate``).
Linux only (reads /proc), a few minutes with the defaults:

    .venv/bin/python -m benchmarks.realtime_fanout                  # 1,000 clients
    .venv/bin/python -m benchmarks.realtime_fanout --clients 200 --rounds 2 --seconds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from benchmarks._realtime_procs import (
    PASSWORD,
    ClientGroup,
    LikeTrigger,
    PublishTrigger,
    cli,
    login,
    percentile,
    project_env,
    rss_kb,
    start_baseline,
    start_serve,
    tree_cpu_seconds,
)
from benchmarks._realtime_report import report
from socialflow.testing.processes import stop_process_group
from socialflow.testing.server import free_port

HERE = Path(__file__).parent


# ---------------------------------------------------------------- measures


def fan_out(
    pids: list[int], groups: list[ClientGroup], trigger: Any, rate: float, seconds: float
) -> dict[str, Any]:
    """Send ``rate`` frames/s for ``seconds``, wait for every delivery; CPU, latency."""
    for group in groups:
        group.ask("reset")
    connected = sum(g.connected for g in groups)
    frames = max(2, round(rate * seconds))
    sends: list[float] = []
    cpu_before = sum(tree_cpu_seconds(pid) for pid in pids)
    client_pids = [proc.pid for group in groups for proc in group.procs]
    client_before = sum(tree_cpu_seconds(pid) for pid in client_pids)
    started = time.monotonic()
    for i in range(frames):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sends.append(time.time())
        trigger()
    sent_in = time.monotonic() - started
    expected = frames * connected
    deadline = time.monotonic() + 15
    while sum(g.count() for g in groups) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    cpu = sum(tree_cpu_seconds(pid) for pid in pids) - cpu_before
    client_cpu = sum(tree_cpu_seconds(pid) for pid in client_pids) - client_before
    wall = time.monotonic() - started
    latencies: list[list[float]] = []
    closed = 0
    for group in groups:
        times, codes = group.dump()
        closed += len(codes)
        latencies.append([(t - sends[j]) * 1000 for ts in times for j, t in enumerate(ts[:frames])])
    every = [ms for side in latencies for ms in side]
    return {
        "frames": frames,
        "frames_per_s": frames / sent_in,
        "deliveries": len(every),
        "expected": expected,
        "closed_connections": closed,
        "wall_s": wall,
        "server_cpu_s": cpu,
        "deliveries_per_cpu_s": len(every) / cpu if cpu else float("inf"),
        # Near 1.0 the clients' core is saturated: latency is then partly the clients'.
        "client_cpu_s_per_wall_s": client_cpu / wall,
        "p50_ms": percentile(every, 0.50),
        "p99_ms": percentile(every, 0.99),
        "max_ms": max(every, default=float("nan")),
        "per_group_p99_ms": [percentile(side, 0.99) for side in latencies],
    }


def idle_memory(pid: int, connect_clients: Any, n: int) -> tuple[Any, dict[str, float]]:
    time.sleep(1)
    before = rss_kb(pid)
    group = connect_clients()
    time.sleep(3)
    after = rss_kb(pid)
    per = (after - before) / max(1, group.connected)
    return group, {
        "rss_0_kb": before,
        "rss_n_kb": after,
        "connections": group.connected,
        "kb_per_connection": per,
    }


def summary(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [r[key] for r in rows]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=2, help="viewer accounts the clients use")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="per measured round")
    parser.add_argument("--load", type=float, default=10000, help="deliveries/s asked, part 1")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=30,
        help="idle CPU window (the default heartbeat_seconds is 25)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--skip-redis", action="store_true")
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="clients do not offer permessage-deflate (browsers do, so the default offers it)",
    )
    opts = parser.parse_args()
    n = opts.clients
    command = " ".join(["python -m benchmarks.realtime_fanout", *sys.argv[1:]])
    result: dict[str, Any] = {"clients": n, "command": command, "options": vars(opts)}
    result["loadavg_start"] = os.getloadavg()
    log(f"load average {result['loadavg_start']}")
    with tempfile.TemporaryDirectory(prefix="sf-rtbench-") as folder:
        project = Path(folder) / "site"
        cli(Path(folder), "new", str(project))
        cli(project, "migrate")
        names = ["author", "liker", *(f"viewer{i}" for i in range(opts.accounts))]
        user_env = project_env({"SOCIALFLOW_NEW_USER_PASSWORD": PASSWORD})
        for name in names:
            cli(project, "users", "create", name, f"{name}@example.com", env=user_env)
        port, base_port = free_port(), free_port()
        server = start_serve(project, port, [], project_env(), "serve.log")
        baseline = start_baseline(base_port)
        groups: list[ClientGroup] = []
        try:
            http = f"http://127.0.0.1:{port}"
            tokens = {name: login(http, name) for name in names}
            post = httpx.post(
                f"{http}/api/v1/posts",
                json={"text": "realtime fan-out benchmark"},
                headers={"Authorization": f"Bearer {tokens['author']}"},
                timeout=30,
            )
            post.raise_for_status()
            post_id = int(post.json()["id"])
            topic = f"post:{post_id}"
            viewers = [tokens[v] for v in names[2:]]
            sf_ws = f"ws://127.0.0.1:{port}/api/v1/ws"
            base_ws = f"ws://127.0.0.1:{base_port}/"
            for url, token in ((sf_ws, viewers[0]), (base_ws, "")):  # warm both up
                with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
                    ws.send(json.dumps({"op": "subscribe", "topic": topic}))
                    ws.recv()

            # ---- what one trigger costs the server with no one following the topic
            like = LikeTrigger(http, tokens["liker"], post_id)
            publish = PublishTrigger(base_port, topic)
            alone = {
                "socialflow": fan_out([server.pid], [], like, opts.load / n, opts.seconds),
                "baseline": fan_out([baseline.pid], [], publish, opts.load / n, opts.seconds),
            }
            result["trigger_alone"] = {
                k: {**v, "cpu_ms_per_frame": 1000 * v["server_cpu_s"] / v["frames"]}
                for k, v in alone.items()
            }
            log(f"trigger alone: {json.dumps(result['trigger_alone'])}")

            # ---- part 3 first: idle memory while the clients of part 1 connect
            log(f"connecting {n} clients to socialflow")
            sf_group, sf_mem = idle_memory(
                server.pid,
                lambda: ClientGroup(sf_ws, viewers, topic, n, opts.client_procs, opts.deflate),
                n,
            )
            groups.append(sf_group)
            log(f"connecting {n} clients to the baseline")
            base_group, base_mem = idle_memory(
                baseline.pid,
                lambda: ClientGroup(base_ws, ["-"], topic, n, opts.client_procs, opts.deflate),
                n,
            )
            groups.append(base_group)
            result["memory"] = {"socialflow": sf_mem, "baseline": base_mem}
            log(f"memory {result['memory']}")
            if sf_group.failed or base_group.failed:
                log(
                    f"failed connections: socialflow {sf_group.failed}, "
                    f"baseline {base_group.failed}"
                )

            # ---- what N idle connections cost per second (heartbeats, pings); both
            # servers over the same window, a whole heartbeat period and more: the
            # heartbeats of connections opened together come in bursts.
            idle_before = {"socialflow": server.pid, "baseline": baseline.pid}
            cpu_before = {k: tree_cpu_seconds(pid) for k, pid in idle_before.items()}
            time.sleep(opts.idle_seconds)
            idle_cpu = {
                k: (tree_cpu_seconds(pid) - cpu_before[k]) / opts.idle_seconds
                for k, pid in idle_before.items()
            }
            result["idle_cpu_s_per_s"] = idle_cpu
            log(f"idle CPU-s per s with {n} connections: {idle_cpu}")

            # ---- part 1: deliveries per server CPU-second, then latency at half load
            cases = {
                "socialflow": (server.pid, sf_group, like),
                "baseline": (baseline.pid, base_group, publish),
            }
            rate = opts.load / n
            load: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
            result["loadavg_part1"] = os.getloadavg()
            for r in range(opts.rounds):
                for name in list(cases)[:: 1 if r % 2 == 0 else -1]:
                    pid, group, trigger = cases[name]
                    row = fan_out([pid], [group], trigger, rate, opts.seconds)
                    load[name].append(row)
                    log(f"load round {r + 1} {name}: {json.dumps(row)}")
            capacity = {k: summary(v, "deliveries_per_cpu_s")["median"] for k, v in load.items()}
            half_rates = {k: 0.5 * c / n for k, c in capacity.items()}
            half: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
            for r in range(opts.rounds):
                for name in list(cases)[:: 1 if r % 2 == 0 else -1]:
                    pid, group, trigger = cases[name]
                    row = fan_out([pid], [group], trigger, half_rates[name], opts.seconds)
                    half[name].append(row)
                    log(f"half-load round {r + 1} {name}: {json.dumps(row)}")
            result["part1"] = {
                "load_rounds": load,
                "half_load_rounds": half,
                "half_load_frames_per_s": half_rates,
                "deliveries_per_cpu_s": {
                    k: summary(v, "deliveries_per_cpu_s") for k, v in load.items()
                },
                "half_load_p99_ms": {k: summary(v, "p99_ms") for k, v in half.items()},
                "half_load_p50_ms": {k: summary(v, "p50_ms") for k, v in half.items()},
                "ratio": capacity["socialflow"] / capacity["baseline"],
                "cpu_us_per_delivery_without_trigger": {
                    k: statistics.median(
                        1e6
                        * (
                            r["server_cpu_s"]
                            - r["frames"] * alone[k]["server_cpu_s"] / alone[k]["frames"]
                        )
                        / r["deliveries"]
                        for r in rows
                    )
                    for k, rows in load.items()
                },
            }
        finally:
            for group in groups:
                group.close()
            stop_process_group(server, timeout=20)
            stop_process_group(baseline, timeout=20)

        # ---- part 2: two API processes behind Redis
        if not opts.skip_redis:
            result["part2"] = behind_redis(project, opts, names, post_id, half_rates["socialflow"])
    report(result)


def behind_redis(
    project: Path, opts: Any, names: list[str], post_id: int, rate: float
) -> dict[str, Any]:
    port_a, port_b = free_port(), free_port()
    # One deployment: one public URL (the token issuer), as behind a proxy.
    env = project_env(
        {
            "SOCIALFLOW_REDIS_URL": opts.redis_url,
            "SOCIALFLOW_REDIS_NAMESPACE": f"rtbench{os.getpid()}",
            "SOCIALFLOW_PUBLIC_URL": f"http://127.0.0.1:{port_a}",
        }
    )
    loadavg = os.getloadavg()
    log(f"part 2 (Redis), load average {loadavg}")
    server_a = start_serve(project, port_a, [], env, "serve-a.log")
    server_b = start_serve(project, port_b, ["--no-worker"], env, "serve-b.log")
    groups: list[ClientGroup] = []
    topic = f"post:{post_id}"
    procs = max(1, opts.client_procs // 2)
    try:
        tokens = {name: login(f"http://127.0.0.1:{port_a}", name) for name in names}
        viewers = [tokens[name] for name in names[2:]]
        for port, share in (
            (port_a, opts.clients // 2),
            (port_b, opts.clients - opts.clients // 2),
        ):
            url = f"ws://127.0.0.1:{port}/api/v1/ws"
            groups.append(ClientGroup(url, viewers, topic, share, procs, opts.deflate))
        like = LikeTrigger(f"http://127.0.0.1:{port_a}", tokens["liker"], post_id)
        rows = []
        for r in range(opts.rounds):
            row = fan_out([server_a.pid, server_b.pid], groups, like, rate, opts.seconds)
            rows.append(row)
            log(f"redis round {r + 1}: {json.dumps(row)}")
        return {
            "loadavg": loadavg,
            "frames_per_s": rate,
            "rounds": rows,
            "p99_ms": summary(rows, "p99_ms"),
            "p50_ms": summary(rows, "p50_ms"),
            "p99_ms_a": statistics.median(r["per_group_p99_ms"][0] for r in rows),
            "p99_ms_b": statistics.median(r["per_group_p99_ms"][1] for r in rows),
        }
    finally:
        for group in groups:
            group.close()
        stop_process_group(server_a, timeout=20)
        stop_process_group(server_b, timeout=20)


if __name__ == "__main__":
    main()
