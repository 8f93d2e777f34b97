"""ffprobe, safely: what is in an uploaded file, and is it a video we accept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffmpeg._utils import convert_kwargs_to_cmd_line_args

from socialflow.media.binaries import find_ffprobe
from socialflow.media.safety import (
    Limits,
    MediaRejected,
    MediaToolFailed,
    check_format_name,
    input_options,
    run,
)


@dataclass(frozen=True)
class ProbeResult:
    """The facts processing needs about a source file."""

    format_name: str
    duration: float
    width: int
    height: int
    video_codec: str
    has_audio: bool
    frame_rate: float


def probe_command(path: Path) -> list[str]:
    """The ffprobe command line (built with ffmpeg-python), with the safety options."""
    binary = find_ffprobe()
    if binary is None:
        raise MediaToolFailed("ffprobe is not installed (apt-get install ffmpeg)")
    # The same argument shape as ffmpeg.probe(), which cannot set rlimits or kill.
    options = convert_kwargs_to_cmd_line_args({"v": "error", **input_options()})
    return [binary.path, "-show_format", "-show_streams", "-of", "json", *options, f"file:{path}"]


def _rate(value: str | None) -> float:
    try:
        num, _, den = (value or "0/1").partition("/")
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def parse_probe(data: dict[str, Any]) -> ProbeResult:
    """Turn ffprobe's JSON into a :class:`ProbeResult`, refusing what is not a video."""
    fmt = data.get("format") or {}
    check_format_name(str(fmt.get("format_name", "")))
    streams = data.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if not videos:
        raise MediaRejected("the file has no video stream")
    video = videos[0]
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaRejected("the video stream has no frame size")
    try:
        duration = float(fmt.get("duration") or video.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise MediaRejected("the video has no duration")
    return ProbeResult(
        format_name=str(fmt["format_name"]),
        duration=duration,
        width=width,
        height=height,
        video_codec=str(video.get("codec_name", "")),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        frame_rate=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
    )


def probe(path: Path, *, limits: Limits, max_duration: float, max_pixels: int) -> ProbeResult:
    """Probe ``path``; raise :class:`MediaRejected` with a reason a user can read."""
    try:
        out, _ = run(probe_command(path), limits)
    except MediaToolFailed as exc:
        raise MediaRejected(f"not a readable video ({exc})".replace(str(path), "<upload>")) from exc
    try:
        data = json.loads(out or b"{}")
    except json.JSONDecodeError as exc:
        raise MediaRejected("not a readable video") from exc
    result = parse_probe(data)
    if result.duration > max_duration:
        raise MediaRejected(
            f"the video lasts {result.duration:.0f} s; the limit is {max_duration:.0f} s"
        )
    if result.width * result.height > max_pixels:
        raise MediaRejected(
            f"the frame is {result.width}x{result.height}; the limit is {max_pixels} pixels"
        )
    return result
