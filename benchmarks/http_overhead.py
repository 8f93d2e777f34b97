"""socialflow's request overhead against a bare FastAPI endpoint, in one run.

Starts uvicorn servers pinned to CPU 0 and drives them with wrk on CPU 1
(needs `wrk`: apt-get install wrk). Prints a table, writes
benchmarks/results/http_overhead.json and a bar chart PNG.

    python benchmarks/http_overhead.py --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    return subprocess.Popen(
        [*pin, sys.executable, "-m", "uvicorn", *args, "--log-level", "warning", "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    out = subprocess.run(
        [*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50_ms": ms("50%"), "p99_ms": ms("99%")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    opts = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    env = {
        **os.environ,
        "SOCIALFLOW_PROJECT_DIR": str(project),
        "SOCIALFLOW_SECRET_KEY": "bench-secret-" + "x" * 40,
        "SOCIALFLOW_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(HERE),
    }
    subprocess.run(
        [sys.executable, "-m", "socialflow", "migrate", "-C", str(project)],
        env=env,
        check=True,
        capture_output=True,
    )
    servers = {
        "bare FastAPI /json": (
            ["_apps:bare", "--factory", "--port", "8931"],
            "http://127.0.0.1:8931/json",
        ),
        "socialflow /healthz": (
            ["socialflow.app:create_app", "--factory", "--port", "8932"],
            "http://127.0.0.1:8932/healthz",
        ),
        "socialflow /api/v1/users/{u} (404, DB read)": (
            ["socialflow.app:create_app", "--factory", "--port", "8933"],
            "http://127.0.0.1:8933/api/v1/users/nobody",
        ),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (args, url) in servers.items():
        process = start(args, env)
        try:
            wait_up(url)
            wrk(url, 2, opts.connections)  # warm-up
            results[name] = wrk(url, opts.seconds, opts.connections)
        finally:
            process.terminate()
            process.wait()
    baseline = results["bare FastAPI /json"]["rps"]
    print(f"{'endpoint':50} {'req/s':>9} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in results.items():
        row["ratio"] = row["rps"] / baseline
        print(
            f"{name:50} {row['rps']:9.0f} {row['ratio']:8.2f} {row['p50_ms']:8.2f} "
            f"{row['p99_ms']:8.2f}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http_overhead.json").write_text(json.dumps(results, indent=2))
    plot(results, RESULTS / "http_overhead.png")


def plot(results: dict[str, dict[str, float]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    names = list(results)
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.barh(names, [results[n]["rps"] for n in names], color=["#999", "#3a7", "#37a"])
    ax.set_xlabel("requests/s (1 server core, wrk on the other)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
