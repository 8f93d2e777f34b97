"""Processes of benchmarks/realtime_fanout.py: servers, client processes, triggers, /proc.

The servers are pinned to CPU 0 and the client processes to CPU 1 (when
``taskset`` exists and there are two CPUs), so clients never take the
server's core; what a round costs the server is read from /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from socialflow.testing.processes import stop_process_group

HERE = Path(__file__).parent
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


def login(http: str, name: str) -> str:
    answer = httpx.post(
        f"{http}/api/v1/auth/login",
        json={"username_or_email": name, "password": PASSWORD},
        timeout=60,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])
