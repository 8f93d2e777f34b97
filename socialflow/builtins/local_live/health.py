"""Measuring a broadcast's health from what its ffmpeg listener reports, and judging it.

The listener copies the publisher's video packets, untouched, to a
``framecrc`` output on its stdout: one line per packet with its timestamp,
size and key flag, and a header with the resolution. That is the incoming
stream exactly as the encoder sent it (not our ladder), so the creator sees
their own bitrate, frame rate and keyframe interval. The ladder's
``-progress`` report (on another pipe) says whether encoding keeps up with
real time (``speed``) and how many frames it dropped or duplicated.

:class:`HealthMeter` keeps the last few seconds of packets and answers a
snapshot; :func:`breach` says which operator limit a snapshot breaks, if any,
in words the creator can read.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

WINDOW_SECONDS = 5.0
_DIMENSIONS = re.compile(r"^#dimensions 0: (\d+)x(\d+)")
_TIMEBASE = re.compile(r"^#tb 0: (\d+)/(\d+)")
_CODEC = re.compile(r"^#codec_id 0: (\S+)")


@dataclass(frozen=True)
class Limits:
    """Operator limits on what a publisher sends (0: no limit)."""

    max_height: int = 0
    max_bitrate_kbps: int = 0
    min_keyframe_interval: float = 0.0
    max_keyframe_interval: float = 0.0


class HealthMeter:
    """Fed the listener's ``framecrc`` lines and ``-progress`` blocks; snapshots on demand."""

    def __init__(self) -> None:
        self.width = 0
        self.height = 0
        self.codec = ""
        self._timebase = Fraction(1, 1000)
        self._packets: deque[tuple[float, int]] = deque()  # (seconds, bytes)
        self._keyframes: deque[float] = deque(maxlen=8)
        self._last_time = 0.0
        self.progress: dict[str, str] = {}

    def feed_packet_line(self, line: str) -> None:
        """One line of ``framecrc``: a header or ``stream, dts, pts, duration, size, crc[, F=]``."""
        if line.startswith("#"):
            if match := _DIMENSIONS.match(line):
                self.width, self.height = int(match.group(1)), int(match.group(2))
            elif match := _TIMEBASE.match(line):
                self._timebase = Fraction(int(match.group(1)), int(match.group(2)))
            elif match := _CODEC.match(line):
                self.codec = match.group(1)
            return
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 6:
            return
        try:
            at = float(int(parts[1]) * self._timebase)
            size = int(parts[4])
        except ValueError:
            return
        key = not any(p.startswith("F=") for p in parts[6:])
        self._last_time = at
        self._packets.append((at, size))
        while self._packets and self._packets[0][0] < at - WINDOW_SECONDS:
            self._packets.popleft()
        if key:
            self._keyframes.append(at)

    def feed_progress(self, key: str, value: str) -> None:
        self.progress[key] = value

    @property
    def measured_seconds(self) -> float:
        """How much stream time the window holds."""
        if len(self._packets) < 2:
            return 0.0
        return self._packets[-1][0] - self._packets[0][0]

    def keyframe_interval(self) -> float | None:
        """Seconds between the last two keyframes, or since the last one if that is longer."""
        if not self._keyframes:
            return None
        since_last = self._last_time - self._keyframes[-1]
        if len(self._keyframes) < 2:
            return since_last if since_last > 0 else None
        return max(self._keyframes[-1] - self._keyframes[-2], since_last)

    def snapshot(self) -> dict[str, Any]:
        span = self.measured_seconds
        frames = len(self._packets)
        bitrate = frame_rate = None
        if span > 0:
            total = sum(size for _, size in list(self._packets)[1:])
            bitrate = round(total * 8 / span / 1000)
            frame_rate = round((frames - 1) / span, 2)
        interval = self.keyframe_interval()
        return {
            "width": self.width or None,
            "height": self.height or None,
            "codec": self.codec or None,
            "bitrate_kbps": bitrate,
            "frame_rate": frame_rate,
            "keyframe_interval": round(interval, 3) if interval is not None else None,
            "speed": _speed(self.progress.get("speed")),
            "dropped_frames": _int(self.progress.get("drop_frames")),
            "duplicated_frames": _int(self.progress.get("dup_frames")),
            "window_seconds": round(span, 3),
        }


def _speed(value: str | None) -> float | None:
    if not value or not value.endswith("x"):
        return None
    try:
        return float(value[:-1])
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def breach(snapshot: dict[str, Any], limits: Limits) -> str | None:
    """The first limit ``snapshot`` breaks, said to the creator; None when within them all.

    Bitrate and frame timing are judged only once the window holds a few
    seconds, so a burst at the start (the first keyframe) is not a breach.
    """
    height = snapshot.get("height")
    if limits.max_height and height and height > limits.max_height:
        return (
            f"The stream was stopped: its resolution is {snapshot['width']}x{height}, "
            f"above this server's limit of {limits.max_height}p. Lower your output resolution."
        )
    settled = (snapshot.get("window_seconds") or 0) >= WINDOW_SECONDS - 1
    bitrate = snapshot.get("bitrate_kbps")
    if limits.max_bitrate_kbps and settled and bitrate and bitrate > limits.max_bitrate_kbps:
        return (
            f"The stream was stopped: its video bitrate is {bitrate} kbps, above this "
            f"server's limit of {limits.max_bitrate_kbps} kbps. Lower your encoder's bitrate."
        )
    interval = snapshot.get("keyframe_interval")
    if interval is not None and settled:
        if limits.max_keyframe_interval and interval > limits.max_keyframe_interval + 0.1:
            return (
                f"The stream was stopped: a keyframe came only every {interval:.1f} s, "
                f"above this server's limit of {limits.max_keyframe_interval:g} s. "
                "Set your encoder's keyframe interval lower."
            )
        if limits.min_keyframe_interval and interval < limits.min_keyframe_interval - 0.01:
            return (
                f"The stream was stopped: keyframes came every {interval:.2f} s, below "
                f"this server's minimum of {limits.min_keyframe_interval:g} s. "
                "Set your encoder's keyframe interval higher."
            )
    return None
