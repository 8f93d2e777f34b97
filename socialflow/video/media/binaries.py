"""Finding ffmpeg and ffprobe.

The binaries on PATH win (a distribution's ffmpeg has every codec); without
them, ``imageio-ffmpeg`` (a dependency) ships an ffmpeg binary, so
``pip install socialflow`` alone can transcode. ffprobe has no such wheel;
without it probing falls back to parsing ``ffmpeg -i`` output.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Binary:
    name: str
    path: str
    version: str
    source: str  # "PATH" or "imageio-ffmpeg"


def _version_of(path: str) -> str:
    try:
        output = subprocess.run(
            [path, "-version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    first = output.splitlines()[0] if output else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 and parts[1] == "version" else first or "unknown"


@lru_cache(maxsize=1)
def find_ffmpeg() -> Binary | None:
    path = shutil.which("ffmpeg")
    if path:
        return Binary("ffmpeg", path, _version_of(path), "PATH")
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:
        return None
    return Binary("ffmpeg", bundled, _version_of(bundled), "imageio-ffmpeg")


@lru_cache(maxsize=1)
def find_ffprobe() -> Binary | None:
    path = shutil.which("ffprobe")
    return Binary("ffprobe", path, _version_of(path), "PATH") if path else None
