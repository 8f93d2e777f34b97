"""Gauges for operators on ``/metrics``: queue backlogs, transcodes, live streams,
webhook deliveries.

The platform's own counters (requests, latency, events, tasks sent) say what
happened; these say what is waiting now. They are read from the broker and
the database, which an async ``/metrics`` handler must not wait for: the
collector answers from the last reading at once and, when that reading is
older than ``MAX_AGE`` seconds, starts one background refresh (a thread that
ends when done). The first scrape after start therefore has the families with
no samples yet. Live streams and webhook deliveries are counted from their
apps' tables by name (those apps sit above or beside analytics in the import
order) and only where the tables exist.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import column, func, inspect, select, table

from socialflow.analytics.platform_stats import queue_backlog
from socialflow.core.celery import DEFAULT_QUEUE, MEDIA_QUEUE

if TYPE_CHECKING:
    from socialflow.core.platform import Platform

logger = logging.getLogger("socialflow.analytics")
MAX_AGE = 15.0
FAMILIES = {
    "socialflow_queue_backlog": ("Messages waiting in a Celery queue.", ["queue"]),
    "socialflow_videos": (
        "Videos by status (processing: transcodes waiting or running).",
        ["status"],
    ),
    "socialflow_live_streams": ("Live streams by status.", ["status"]),
    "socialflow_live_viewers": ("Viewers watching live streams now.", []),
    "socialflow_webhook_deliveries": ("Webhook deliveries by status.", ["status"]),
}
BY_STATUS = {
    "socialflow_videos": "videos",
    "socialflow_live_streams": "live_streams",
    "socialflow_webhook_deliveries": "webhook_deliveries",
}


class OpsCollector(Collector):
    """The gauges above, from a reading at most ``MAX_AGE`` seconds old (see module)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.samples: dict[str, list[tuple[list[str], float]]] = {}
        self.read_at = 0.0
        self.refreshing = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if time.monotonic() - self.read_at > MAX_AGE and self.refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="ops-metrics", daemon=True).start()
        for name, (text, labels) in FAMILIES.items():
            family = GaugeMetricFamily(name, text, labels=labels)
            for values, value in self.samples.get(name, []):
                family.add_metric(values, value)
            yield family

    def _refresh(self) -> None:
        try:
            self.samples = self.read()
            self.read_at = time.monotonic()
        except Exception:
            logger.warning("operator gauges not read", exc_info=True)
            self.read_at = time.monotonic()  # try again later, not at every scrape
        finally:
            self.refreshing.release()

    def read(self) -> dict[str, list[tuple[list[str], float]]]:
        """One reading of every gauge (the broker's, then the database's)."""
        out: dict[str, list[tuple[list[str], float]]] = {}
        backlog = queue_backlog(self.platform, (DEFAULT_QUEUE, MEDIA_QUEUE))
        out["socialflow_queue_backlog"] = [
            ([queue], float(n)) for queue, n in backlog.items() if n is not None
        ]
        with self.platform.session(read_only=True) as session:
            names = set(inspect(session.get_bind()).get_table_names())
            for family, name in BY_STATUS.items():
                if name in names:
                    of = table(name, column("status"))
                    rows = session.execute(select(of.c.status, func.count()).group_by(of.c.status))
                    out[family] = [([str(status)], float(n)) for status, n in rows]
            if "live_streams" in names:
                streams = table("live_streams", column("status"), column("viewer_count"))
                watching: Any = session.execute(
                    select(func.coalesce(func.sum(streams.c.viewer_count), 0)).where(
                        streams.c.status == "live"
                    )
                ).scalar_one()
                out["socialflow_live_viewers"] = [([], float(watching))]
        return out
