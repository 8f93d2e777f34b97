"""``socialflow demo --port N`` plays its videos from port N, not 8000.

Playback and thumbnail URLs, mail links and the token issuer come from
``public_url``; unset, it follows where ``serve`` listens, in the API and in
the embedded worker that writes the playlists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

from socialflow.testing.processes import background_service
from socialflow.testing.server import free_port
from socialflow.testing.video import (
    assert_playable,
    make_clip,
    sign_up,
    upload_with_interruption,
    wait_for_status,
)

pytestmark = [pytest.mark.slow, pytest.mark.ffmpeg]


def _clean_command(*args: str) -> list[str]:
    """``python -m socialflow ...`` without the test run's SOCIALFLOW_* variables."""
    ours = [name for name in os.environ if name.startswith("SOCIALFLOW_")]
    unset = [arg for name in ours for arg in ("-u", name)]
    return ["env", *unset, sys.executable, "-m", "socialflow", *args]


def test_demo_on_another_port_plays_hls_from_that_port(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=2.0)
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo.log"
    command = _clean_command("demo", str(tmp_path / "demo"), "--port", str(port))
    with (
        background_service(command, port=port, log=log, env={"HOME": str(home)}, timeout=120),
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        try:
            printed = log.read_text(errors="replace")
            assert "Sign in as " in printed
            assert "Warning: public_url" not in printed
            # The example web client (examples/web) is served by the demo, and says where.
            assert f"{base}/web/" in printed
            page = client.get("/web/")
            assert page.status_code == 200
            assert "js/main.js" in page.text
            auth = sign_up(client, "creator")
            video_id = upload_with_interruption(base, client, auth, clip)
            video = wait_for_status(client, video_id, auth, timeout=90)
            assert video["master_url"].startswith(f"{base}/"), video["master_url"]
            assert video["thumbnail_url"].startswith(f"{base}/"), video["thumbnail_url"]
            assert_playable(video, 2.0)
        except AssertionError as exc:
            tail = log.read_text(errors="replace")[-4000:]
            raise AssertionError(f"{exc}\n--- socialflow demo log ---\n{tail}") from exc
