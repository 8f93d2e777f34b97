"""Running ffmpeg and ffprobe on untrusted files without letting them reach out.

An uploaded file is hostile until proven otherwise. Demuxers such as ``hls``,
``concat`` and ``ffconcat`` open other URLs named inside the file (the classic
SSRF / local-file-read hole), so every invocation gets:

* ``-protocol_whitelist file,pipe``: no network protocol can be opened;
* ``-format_whitelist`` of plain container demuxers: no demuxer that follows
  references (hls, concat, ffconcat, image2 patterns, ...) may be picked,
  even nested inside another container (the AVI/GAB2 embedded-playlist trick);
* probe size and analyze-duration limits;
* a wall-clock timeout (the whole process group is killed) and an
  address-space limit via ``setrlimit`` in the child before ``exec``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Demuxers we accept as sources. Each name is one ffmpeg demuxer; the probed
# ``format_name`` (a comma list such as ``mov,mp4,m4a,3gp,3g2,mj2``) must be
# made only of these.
ALLOWED_DEMUXERS: tuple[str, ...] = (
    "mov",
    "mp4",
    "m4a",
    "3gp",
    "3g2",
    "mj2",
    "matroska",
    "webm",
    "avi",
    "flv",
    "mpegts",
    "mpeg",
    "ogg",
    "asf",
    "h264",
    "hevc",
)
# Named here so a reviewer sees them refused on purpose (they are simply not allowed).
REFERENCE_FOLLOWING_DEMUXERS = frozenset(
    {"hls", "applehttp", "concat", "ffconcat", "image2", "dash", "sdp", "rtsp", "tee", "data"}
)
PROTOCOL_WHITELIST = "file,pipe"
PR_SET_PDEATHSIG = 1
PROBE_SIZE = 50 * 1024 * 1024
ANALYZE_DURATION_US = 30 * 1_000_000


class MediaRejected(Exception):  # noqa: N818 - it is what happened to the media
    """The file is not something we will process; ``str(exc)`` is the reason shown."""


class MediaToolFailed(Exception):  # noqa: N818 - reads as a sentence at raise sites
    """ffmpeg/ffprobe exited with an error or ran out of time/memory."""


@dataclass(frozen=True)
class Limits:
    """Per-process resource limits of one media job."""

    timeout: float
    memory_bytes: int


def input_options(*, probing: bool = True) -> dict[str, str | int]:
    """The options every untrusted input is opened with (ffmpeg-python kwargs)."""
    return {
        "protocol_whitelist": PROTOCOL_WHITELIST,
        "format_whitelist": ",".join(ALLOWED_DEMUXERS),
        "probesize": PROBE_SIZE,
        "analyzeduration": ANALYZE_DURATION_US,
    }


def check_format_name(format_name: str) -> None:
    """Refuse any container that is not on the allow-list."""
    parts = {part.strip() for part in format_name.split(",") if part.strip()}
    if not parts or not parts <= set(ALLOWED_DEMUXERS):
        raise MediaRejected(f"container format {format_name!r} is not accepted")


def _die_with_parent() -> None:
    """Linux: SIGKILL the tool if the worker that started it dies (no orphaned encodes)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _limit_child(memory_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        # Runs in the child between fork and exec: cap the address space and
        # forbid core dumps (they could leak the file's contents).
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _die_with_parent()

    return apply


def start(
    args: Sequence[str], limits: Limits, *, stdout: int | None = None
) -> subprocess.Popen[bytes]:
    """Start a media tool in its own process group with the limits applied."""
    return subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=stdout if stdout is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_child(limits.memory_bytes),
        start_new_session=True,
        # Few malloc arenas: with many encoder threads, glibc's per-thread
        # arenas would otherwise eat the address-space limit without using memory.
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "MALLOC_ARENA_MAX": "2",
        },
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the tool and anything it started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run(args: Sequence[str], limits: Limits) -> tuple[bytes, bytes]:
    """Run to completion; returns (stdout, stderr). Raises :class:`MediaToolFailed`."""
    process = start(args, limits, stdout=subprocess.PIPE)
    try:
        out, err = process.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired as exc:
        kill(process)
        raise MediaToolFailed(f"timed out after {limits.timeout:.0f} s") from exc
    except BaseException:
        kill(process)
        raise
    if process.returncode != 0:
        raise MediaToolFailed(describe_failure(process.returncode, err))
    return out, err


# What ffmpeg prints when the address-space limit refuses it memory: a failed
# malloc (ENOMEM), a thread whose stack cannot be mapped (EAGAIN), or libx264's
# own allocator failing while the encoder opens (ffmpeg then only says the
# encoder could not be opened).
OUT_OF_MEMORY_MARKS = (
    "Cannot allocate memory",
    "Resource temporarily unavailable",
    "malloc of size",
    "Out of memory",
)


def describe_failure(returncode: int, stderr: bytes) -> str:
    """A short, safe reason: the last line ffmpeg printed (paths stripped by the caller),
    said to be the memory limit when ffmpeg ran out of memory before it gave up."""
    if returncode < 0:
        return f"killed by signal {-returncode} (memory or time limit)"
    text = stderr.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    last = (lines[-1] if lines else f"exit status {returncode}")[:300]
    if any(mark in text for mark in OUT_OF_MEMORY_MARKS):
        return f"out of memory under the media memory limit ({last})"
    return last
