"""Real ffmpeg publishers with a chosen picture size, frame rate and keyframe interval."""

from __future__ import annotations

import subprocess
from pathlib import Path

from socialflow.testing.services import require_binary


def start_publisher(
    url: str,
    log: Path,
    *,
    seconds: float,
    size: str = "320x240",
    rate: int = 25,
    gop: int = 25,
) -> subprocess.Popen[bytes]:
    """testsrc + a tone at camera pace (``-re``), ``gop`` frames between keyframes."""
    ffmpeg = require_binary("ffmpeg")
    return subprocess.Popen(
        [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-c:a", "aac", "-f", "flv", url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )  # fmt: skip
