"""How long the `socialflow` command takes to start, against bare Python, in one run.

Times `socialflow --help` and a few subcommands' `--help` (the CLI is built,
plugins load, nothing connects), beside `python -c pass` and
`python -c "import typer"` measured in the same run, rounds interleaved so
that machine noise hits every case alike. Prints medians and spreads, writes
benchmarks/results/cli_startup.json.

    python benchmarks/cli_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    'python -c "import typer"': ["-c", "import typer"],
    "socialflow --help": ["-m", "socialflow", "--help"],
    "socialflow serve --help": ["-m", "socialflow", "serve", "--help"],
    "socialflow users create --help": ["-m", "socialflow", "users", "create", "--help"],
    "socialflow migrate --help": ["-m", "socialflow", "migrate", "--help"],
}


def time_once(arguments: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Rounds (each runs every case).")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    timings: dict[str, list[float]] = {name: [] for name in CASES}
    with tempfile.TemporaryDirectory() as folder:  # no project: the defaults
        for arguments in CASES.values():  # warm the file cache and bytecode
            time_once(arguments, Path(folder), env)
        for _ in range(args.runs):
            for name, arguments in CASES.items():
                timings[name].append(time_once(arguments, Path(folder), env))
    rows = {
        name: {
            "median_s": round(statistics.median(values), 3),
            "min_s": round(min(values), 3),
            "max_s": round(max(values), 3),
            "stdev_s": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
        }
        for name, values in timings.items()
    }
    print(f"{'command':34} {'median':>8} {'min':>7} {'max':>7} {'stdev':>7}   ({args.runs} runs)")
    for name, row in rows.items():
        print(
            f"{name:34} {row['median_s']:8.3f} {row['min_s']:7.3f} "
            f"{row['max_s']:7.3f} {row['stdev_s']:7.3f}"
        )
    RESULTS.mkdir(exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    (RESULTS / "cli_startup.json").write_text(
        json.dumps({"runs": args.runs, "load_average_1m": load, "results": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
