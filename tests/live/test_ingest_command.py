"""``socialflow live ingest``: the hosted ingest in a process of its own, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from socialflow.testing.services import require_binary
from socialflow.testing.waiting import wait_until


def test_the_ingest_command_serves_until_terminated(tmp_path: Path) -> None:
    require_binary("ffmpeg")
    (tmp_path / "socialflow.toml").write_text(
        "[plugin.live]\ningest_in_api = false\n\n[plugin.local_streaming]\nrtmp_port = 0\n"
    )
    env = {**os.environ, "SOCIALFLOW_PROJECT_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow", "live", "ingest"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        info_file = tmp_path / "live" / "ingest.json"
        info = wait_until(
            lambda: info_file.is_file() and json.loads(info_file.read_text()), timeout=30
        )
        assert info["pid"] == process.pid
        assert info["port"] > 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
