"""The Grafana dashboard shipped in deploy/grafana asks only for metrics ``/metrics``
serves, and the operator gauges behind its queue, transcode, live and delivery panels
answer from the database and broker."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.analytics.conftest import video_of
from tests.social.conftest import Actor

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "socialflow.json"
METRIC = re.compile(r"\bsocialflow_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _served(client: httpx.Client) -> dict[str, list[Any]]:
    """Every sample name ``/metrics`` can serve (families without samples included),
    with the samples it serves now."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    names: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.setdefault(family.name + suffix, [])
        for sample in family.samples:
            names.setdefault(sample.name, []).append(sample)
    return names


def test_every_panel_asks_for_a_metric_the_platform_serves(
    client: httpx.Client, actor: Callable[..., Actor], platform: Any
) -> None:
    video_of(platform, actor("grafana"))
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"]
    served = _served(client)
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = METRIC.findall(target["expr"])
            assert used, (panel["title"], target["expr"])
            missing = [name for name in used if name not in served]
            assert missing == [], (panel["title"], missing)
    # The gauges fill in from a background reading: the ready video is counted.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        videos = {s.labels["status"]: s.value for s in _served(client)["socialflow_videos"]}
        if videos:
            break
        time.sleep(0.2)
    assert videos.get("ready", 0) >= 1, videos
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("requests", "latency", "queue", "transcodes", "live", "deliveries"):
        assert topic in titles, topic
