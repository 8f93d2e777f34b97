"""How long the `socialflow` command takes to start, against bare Python, in one run.

Times `socialflow --help` and a few subcommands' `--help` (the CLI is built,
plugins load, nothing connects), beside `python -c pass` and
`python -c "import typer"` measured in the same run, rounds interleaved so
that machine noise hits every case alike. Wall time, and the CPU time of the
child process (user + system), which moves much less on a shared machine.
Prints medians and spreads, writes benchmarks/results/cli_startup.json.

    python benchmarks/cli_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(arguments: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started, _children_cpu() - cpu


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
        "stdev_s": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Rounds (each runs every case).")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="A folder holding another socialflow package (e.g. `git archive REV socialflow "
        "| tar -x -C DIR`): its `--help` is timed too, ahead on the import path.",
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    cases = dict(CASES)
    if args.compare_with:
        other = args.compare_with.resolve()
        # Put ahead of the installed (editable) package on the import path.
        cases[f"socialflow --help ({other.name})"] = [
            "-c",
            f"import sys; sys.path.insert(0, {str(other)!r}); sys.argv = ['socialflow', "
            "'--help']; from socialflow.cli import main; main()",
        ]
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:  # no project: the defaults
        for arguments in cases.values():  # warm the file cache and bytecode
            time_once(arguments, Path(folder), env)
        for _ in range(args.runs):
            for name, arguments in cases.items():
                seconds, cpu_seconds = time_once(arguments, Path(folder), env)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
    rows = {name: {"wall": summary(wall[name]), "cpu": summary(cpu[name])} for name in cases}
    print(f"{args.runs} runs, load average {load:.1f} at the start; seconds")
    header = ("command", "wall median", "min", "max", "cpu median", "stdev")
    print("{:32} {:>11} {:>6} {:>6} {:>11} {:>6}".format(*header))
    for name, row in rows.items():
        w, c = row["wall"], row["cpu"]
        print(
            f"{name:32} {w['median_s']:11.3f} {w['min_s']:6.3f} {w['max_s']:6.3f} "
            f"{c['median_s']:11.3f} {c['stdev_s']:6.3f}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_startup.json").write_text(
        json.dumps({"runs": args.runs, "load_average_1m": load, "results": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
