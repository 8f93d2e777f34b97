"""The printed summary and the plot of benchmarks/realtime_fanout.py."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


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
    print(
        f"server CPU-s per second with {n} idle connections: "
        + ", ".join(f"{k} {v:.3f}" for k, v in result["idle_cpu_s_per_s"].items())
    )
    if "part2" in result:
        p2 = result["part2"]
        print(
            f"behind Redis, 2 processes, {p2['frames_per_s']:.1f} frames/s: "
            f"p50 {p2['p50_ms']['median']:.1f} ms, p99 {p2['p99_ms']['median']:.1f} ms "
            f"(A {p2['p99_ms_a']:.1f}, B {p2['p99_ms_b']:.1f})"
        )
    RESULTS.mkdir(exist_ok=True)
    stem = f"realtime_fanout-{n}" + ("" if result["options"]["deflate"] else "-nodeflate")
    out = RESULTS / f"{stem}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"raw: {out}")
    plot(result, RESULTS / f"{stem}.png")


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
    goal = 0.7 * p1["deliveries_per_cpu_s"]["baseline"]["median"]
    left.axhline(goal, color="#c33", linestyle="--", linewidth=1, label="goal: 0.70x baseline")
    left.legend(fontsize=8)
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
    right.axhline(250, color="#c33", linestyle="--", linewidth=1)
    right.axhline(500, color="#c33", linestyle=":", linewidth=1)
    right.text(-0.4, 255, "goal p99, one process: 250 ms", fontsize=7, color="#c33")
    right.text(-0.4, 510, "goal p99, behind Redis: 500 ms", fontsize=7, color="#c33")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")
