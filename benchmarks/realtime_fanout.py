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
``realtime_fanout-<N>.png``. Linux only (reads /proc), a few minutes with
the defaults:

    .venv/bin/python benchmarks/realtime_fanout.py                  # 1,000 clients
    .venv/bin/python benchmarks/realtime_fanout.py --clients 200 --rounds 2 --seconds 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from socialflow.testing.processes import stop_process_group
from socialflow.testing.server import free_port

HERE = Path(__file__).parent
RESULTS = HERE / "results"
PASSWORD = "rtbench-Password-2026"  # only for throwaway accounts of a temporary project
TICKS = os.sysconf("SC_CLK_TCK")


def pin(cpu: int) -> list[str]:
    usable = shutil.which("taskset") and (os.cpu_count() or 1) >= 2
    return ["taskset", "-c", str(cpu)] if usable else []


def tree_cpu_seconds(root: int) -> float:
    """utime + stime of ``root`` and every live descendant (its threads included)."""
    stats: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()  # fields from the 3rd (state) on
        stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, grew = {root}, True
    while grew:
        children = {pid for pid, (ppid, _) in stats.items() if ppid in family} - family
        family |= children
        grew = bool(children)
    return sum(stats[pid][1] for pid in family if pid in stats) / TICKS


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------- processes


def project_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    env.update(extra or {})
    return env


def cli(project: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "socialflow", *args],
        cwd=project,
        env=env or project_env(),
        check=True,
        capture_output=True,
    )


def start_serve(
    project: Path, port: int, args: list[str], env: dict[str, str], log: str
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*pin(0), sys.executable, "-m", "socialflow", "serve", "--port", str(port), *args],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(project / log).open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_process_group(process)
    raise RuntimeError("socialflow serve did not start: " + (project / log).read_text())


def start_baseline(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*pin(0), sys.executable, str(HERE / "_realtime_baseline.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with connect(f"ws://127.0.0.1:{port}/", open_timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    stop_process_group(process)
    raise RuntimeError("the baseline server did not start")


class ClientGroup:
    """``count`` clients of one server in ``procs`` processes of _realtime_clients.py."""

    def __init__(
        self, url: str, tokens: list[str], topic: str, count: int, procs: int, deflate: bool
    ) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        shares = [count // procs + (1 if i < count % procs else 0) for i in range(procs)]
        for share in (s for s in shares if s):
            command = [sys.executable, str(HERE / "_realtime_clients.py"), "--url", url]
            command += ["--tokens", ",".join(tokens), "--topic", topic, "--count", str(share)]
            command += [] if deflate else ["--no-deflate"]
            self.procs.append(
                subprocess.Popen(
                    [*pin(1), *command],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    bufsize=1,
                )
            )
        self.connected = self.failed = 0
        for proc in self.procs:
            words = self._line(proc).split()
            if words[0] != "ready":
                raise RuntimeError(f"client process said {words}")
            self.connected += int(words[1])
            self.failed += int(words[2])

    @staticmethod
    def _line(proc: subprocess.Popen[str]) -> str:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("a client process ended")
        return line.strip()

    def ask(self, command: str) -> list[str]:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
        return [self._line(proc) for proc in self.procs]

    def count(self) -> int:
        return sum(int(answer) for answer in self.ask("count"))

    def dump(self) -> tuple[list[list[float]], list[int | None]]:
        times: list[list[float]] = []
        closed: list[int | None] = []
        for answer in self.ask("dump"):
            body = json.loads(answer)
            times += body["times"]
            closed += body["closed"]
        return times, closed

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.write("quit\n")
                proc.stdin.flush()
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


class LikeTrigger:
    """Like, unlike, like... the post through the HTTP API: one ``counters`` frame each."""

    def __init__(self, base: str, token: str, post_id: int) -> None:
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        self.url = f"/api/v1/posts/{post_id}/like"
        self.liked = self.http.get(f"/api/v1/posts/{post_id}").json().get("liked_by_me", False)

    def __call__(self) -> None:
        response = self.http.delete(self.url) if self.liked else self.http.post(self.url)
        response.raise_for_status()
        self.liked = not self.liked


class PublishTrigger:
    """The baseline's control channel: ``publish`` op, answered after ``broadcast()``."""

    def __init__(self, port: int, topic: str) -> None:
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(f"ws://127.0.0.1:{port}/"))
        self.message = json.dumps({"op": "publish", "topic": topic})

    def __call__(self) -> None:
        self.ws.send(self.message)
        self.ws.recv()


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


def login(http: str, name: str) -> str:
    answer = httpx.post(
        f"{http}/api/v1/auth/login",
        json={"username_or_email": name, "password": PASSWORD},
        timeout=60,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


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
    result: dict[str, Any] = {"clients": n, "command": " ".join(sys.argv), "options": vars(opts)}
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


def report(result: dict[str, Any]) -> None:
    n = result["clients"]
    p1 = result["part1"]
    print(f"\n{n} clients, load average at start {result['loadavg_start']}")
    for name in ("socialflow", "baseline"):
        d, p99 = p1["deliveries_per_cpu_s"][name], p1["half_load_p99_ms"][name]
        mem = result["memory"][name]
        print(
            f"{name:11} deliveries/CPU-s {d['median']:9.0f} ({d['min']:.0f}-{d['max']:.0f})  "
            f"half load {p1['half_load_frames_per_s'][name]:.1f} frames/s: "
            f"p50 {p1['half_load_p50_ms'][name]['median']:.1f} ms, p99 {p99['median']:.1f} ms "
            f"({p99['min']:.1f}-{p99['max']:.1f})  idle {mem['kb_per_connection']:.1f} KB/conn"
        )
    print(f"ratio socialflow / baseline deliveries per CPU-second: {p1['ratio']:.2f}")
    alone = result["trigger_alone"]
    print(
        "server CPU per trigger with no follower: "
        + ", ".join(f"{k} {v['cpu_ms_per_frame']:.2f} ms" for k, v in alone.items())
        + "; per delivery without it: "
        + ", ".join(f"{k} {v:.1f} us" for k, v in p1["cpu_us_per_delivery_without_trigger"].items())
    )
    if "part2" in result:
        p2 = result["part2"]
        print(
            f"behind Redis, 2 processes, {p2['frames_per_s']:.1f} frames/s: "
            f"p50 {p2['p50_ms']['median']:.1f} ms, p99 {p2['p99_ms']['median']:.1f} ms "
            f"(A {p2['p99_ms_a']:.1f}, B {p2['p99_ms_b']:.1f})"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"realtime_fanout-{n}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"raw: {out}")
    plot(result, RESULTS / f"realtime_fanout-{n}.png")


def plot(result: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    p1 = result["part1"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    names = ["baseline", "socialflow"]
    for i, name in enumerate(names):
        values = [r["deliveries_per_cpu_s"] for r in p1["load_rounds"][name]]
        left.bar(i, statistics.median(values), color=["#999", "#3a7"][i])
        left.plot([i] * len(values), values, "k.")
    left.set_xticks(range(2), ["raw websockets\nbroadcast()", "socialflow serve"])
    left.set_ylabel("deliveries per server CPU-second")
    left.set_title(f"{result['clients']} clients, one topic")
    series = [(f"{name}, half load", p1["half_load_rounds"][name]) for name in names]
    if "part2" in result:
        series.append(("socialflow x2 + Redis", result["part2"]["rounds"]))
    for i, (_label, rows) in enumerate(series):
        p50 = [r["p50_ms"] for r in rows]
        p99 = [r["p99_ms"] for r in rows]
        right.plot([i] * len(p50), p50, "o", color="#37a", label="p50" if i == 0 else None)
        right.plot([i] * len(p99), p99, "s", color="#c33", label="p99" if i == 0 else None)
    right.set_xticks(range(len(series)), [s[0] for s in series], fontsize=8)
    right.set_ylabel("delivery latency, ms (each round)")
    right.set_yscale("log")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
