"""The live app is optional: switched off, no route, task, beat entry, port or provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from socialflow.app import create_app
from socialflow.testing.server import run_server
from tests.social.conftest import Actor


def test_switched_off_nothing_of_live_remains_and_posts_still_work(
    make_platform: Callable[..., Any], actor: Callable[..., Actor], tmp_path: Any
) -> None:
    alice = actor("alice")
    off = make_platform(disabled_apps=["live"])
    assert "live" not in off.plugins.app_names()
    assert off.settings.streaming is None  # no provider is needed, nor built
    assert "live-sync" not in off.celery.conf.beat_schedule
    app = create_app(platform=off)
    assert not any(getattr(r, "path", "").startswith("/api/v1/live") for r in app.routes)
    with run_server(app, log=tmp_path / "server.log") as url, httpx.Client(base_url=url) as http:
        response = http.post("/api/v1/live/streams", json={"title": "x"}, headers=alice.headers)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        posted = http.post("/api/v1/posts", json={"text": "still here"}, headers=alice.headers)
        assert posted.status_code == 201, posted.text
    # Serving started no ingest: no RTMP port, no channel folder.
    assert not (off.settings.project_dir / "live").exists()


def test_switched_on_the_sync_is_on_the_beat_schedule(platform: Any) -> None:
    entry = platform.celery.conf.beat_schedule["live-sync"]
    assert entry["task"] == "socialflow.live.sync"
