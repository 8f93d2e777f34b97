"""A creator's report as files: the daily series as CSV, and charts as a PNG.

matplotlib is an optional extra (``pip install 'socialflow[analytics]'``),
imported only when a PNG is asked for, with the non-interactive Agg backend
(no display needed: servers, CI).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CSV_FIELDS = (
    "day",
    "views",
    "watch_seconds",
    "likes",
    "unlikes",
    "comments",
    "shares",
    "follows_gained",
    "follows_lost",
)


class MissingExtraError(RuntimeError):
    """matplotlib is not installed."""


def write_csv(overview: dict[str, Any], path: Path) -> int:
    """One row per day (the overview's daily series); returns the rows written."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(overview["daily"])
    return len(overview["daily"])


def write_png(overview: dict[str, Any], path: Path, *, title: str) -> None:
    """Three charts, one above the other: views, watch hours, followers gained and lost."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError as exc:
        raise MissingExtraError(
            "PNG reports need matplotlib: pip install 'socialflow[analytics]'"
        ) from exc
    daily = overview["daily"]
    days = [row["day"][5:] for row in daily]  # MM-DD
    figure, (views, hours, follows) = pyplot.subplots(3, 1, figsize=(10, 9), sharex=True)
    try:
        figure.suptitle(f"{title}: {overview['from']} to {overview['to']}")
        views.bar(days, [row["views"] for row in daily], color="#3b82f6")
        views.set_ylabel("views")
        hours.plot(days, [row["watch_seconds"] / 3600 for row in daily], marker="o")
        hours.set_ylabel("watch hours")
        follows.bar(days, [row["follows_gained"] for row in daily], color="#16a34a", label="gained")
        follows.bar(days, [-row["follows_lost"] for row in daily], color="#dc2626", label="lost")
        follows.set_ylabel("followers")
        follows.legend(loc="upper left")
        step = max(1, len(days) // 15)
        follows.set_xticks(range(0, len(days), step), days[::step], rotation=45)
        figure.tight_layout()
        figure.savefig(path, format="png", dpi=100)
    finally:
        pyplot.close(figure)
