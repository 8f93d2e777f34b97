"""tus-js-client (the browser/Node tus client) with its defaults, against the real server.

Needs ``node`` and ``npm ci --prefix tests/video/js`` (installs tus-js-client).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from socialflow.testing.services import require_binary, skip_or_fail
from tests.video.conftest import wait_for_status

pytestmark = pytest.mark.ffmpeg
SCRIPT_DIR = Path(__file__).parent / "js"


@pytest.mark.parametrize("chunk_size", [None, 65536], ids=["one-patch", "64KiB-chunks"])
def test_tus_js_client_defaults_upload_and_the_video_gets_ready(
    live_server: str,
    client: httpx.Client,
    headers: dict[str, str],
    clip: Path,
    chunk_size: int | None,
) -> None:
    node = require_binary("node")
    if not (SCRIPT_DIR / "node_modules" / "tus-js-client").is_dir():
        skip_or_fail("tus-js-client is not installed: npm ci --prefix tests/video/js")
    token = headers["Authorization"].split(" ", 1)[1]
    args = [node, str(SCRIPT_DIR / "upload.mjs"), f"{live_server}/api/v1/uploads/", token]
    args.append(str(clip))
    if chunk_size:
        args.append(str(chunk_size))
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["url"].startswith(f"{live_server}/api/v1/uploads/")
    assert result["videoId"]
    video = wait_for_status(client, result["videoId"], headers)
    assert video["status"] == "ready", video
