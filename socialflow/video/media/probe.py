"""ffprobe, safely: what is in an uploaded file, and is it a video we accept."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffmpeg._utils import convert_kwargs_to_cmd_line_args

from socialflow.video.media.binaries import find_ffmpeg, find_ffprobe
from socialflow.video.media.safety import (
    Limits,
    MediaRejected,
    MediaToolFailed,
    check_format_name,
    input_options,
    kill,
    run,
    start,
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
    """The ffprobe command line, with the safety options."""
    binary = find_ffprobe()
    if binary is None:
        raise MediaToolFailed("ffprobe is not installed (apt-get install ffmpeg)")
    # The same argument shape as ffmpeg.probe(), which cannot set rlimits or kill.
    options = convert_kwargs_to_cmd_line_args({"v": "error", **input_options()})
    return [binary.path, "-show_format", "-show_streams", "-of", "json", *options, f"file:{path}"]


_INPUT = re.compile(r"^Input #0, (?P<format>[^ ]+), from ", re.MULTILINE)
_DURATION = re.compile(r"^\s+Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)", re.MULTILINE)
_STREAM = re.compile(
    r"^\s+Stream #0:\d+\S*: (?P<type>Video|Audio|Subtitle|Data|Attachment): "
    r"(?P<codec>\w+)(?P<rest>.*)$",
    re.MULTILINE,
)
_SIZE = re.compile(r", (?P<w>\d{2,5})x(?P<h>\d{2,5})[ ,]")
_FPS = re.compile(r", (?P<fps>[\d.]+) fps")


def ffmpeg_probe_command(path: Path) -> list[str]:
    """``ffmpeg -i`` with the same safety options: the fallback without ffprobe."""
    binary = find_ffmpeg()
    if binary is None:
        raise MediaToolFailed("neither ffprobe nor ffmpeg is available")
    options = convert_kwargs_to_cmd_line_args(input_options())
    return [binary.path, "-hide_banner", "-nostdin", *options, "-i", f"file:{path}"]


def parse_ffmpeg_banner(text: str) -> dict[str, Any]:
    """Turn ``ffmpeg -i``'s stream listing into the shape of ffprobe's JSON.

    Used when only the ``imageio-ffmpeg`` binary is present (no ffprobe), so
    ``pip install socialflow`` alone can still probe; ffprobe is preferred.
    """
    fmt = _INPUT.search(text)
    if fmt is None:
        return {}
    data: dict[str, Any] = {"format": {"format_name": fmt.group("format").rstrip(",")}}
    duration = _DURATION.search(text)
    if duration:
        seconds = (int(duration.group("h")) * 3600 + int(duration.group("m")) * 60) + float(
            duration.group("s")
        )
        data["format"]["duration"] = str(seconds)
    streams = []
    for match in _STREAM.finditer(text):
        stream: dict[str, Any] = {
            "codec_type": match.group("type").lower(),
            "codec_name": match.group("codec"),
        }
        rest = match.group("rest")
        size = _SIZE.search(rest + " ")
        if size:
            stream["width"], stream["height"] = int(size.group("w")), int(size.group("h"))
        fps = _FPS.search(rest)
        if fps:
            stream["avg_frame_rate"] = f"{fps.group('fps')}/1"
        if "(attached pic)" in rest:
            stream["disposition"] = {"attached_pic": 1}
        streams.append(stream)
    data["streams"] = streams
    return data


def _run_probe(path: Path, limits: Limits) -> dict[str, Any]:
    if find_ffprobe() is not None:
        out, _ = run(probe_command(path), limits)
        return dict(json.loads(out or b"{}"))
    return parse_ffmpeg_banner(_banner(path, limits))


def _banner(path: Path, limits: Limits) -> str:
    """stderr of ``ffmpeg -i`` (which exits 1 for want of an output: expected)."""
    process = start(ffmpeg_probe_command(path), limits)
    try:
        _, err = process.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired as exc:
        kill(process)
        raise MediaToolFailed(f"timed out after {limits.timeout:.0f} s") from exc
    except BaseException:
        kill(process)
        raise
    return err.decode(errors="replace")


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
        data = _run_probe(path, limits)
    except MediaToolFailed as exc:
        raise MediaRejected(f"not a readable video ({exc})".replace(str(path), "<upload>")) from exc
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
