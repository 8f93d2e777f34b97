"""One processing job on local files: transcode with progress, then publish outputs.

Database-free: :mod:`socialflow.video.videos` decides *whether* to run and
records the outcome; this module runs ffmpeg under the safety limits and
copies results into the storage backend through protocol methods only.
"""

from __future__ import annotations

import mimetypes
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from socialflow.plugins.protocols import StorageBackend
from socialflow.video.media.hls import Variant, parse_master
from socialflow.video.media.ladder import (
    AUDIO_TRACK,
    THUMBNAILS_DIR,
    Rung,
    choose_rungs,
    transcode_command,
)
from socialflow.video.media.probe import ProbeResult
from socialflow.video.media.safety import Limits, MediaToolFailed, describe_failure, kill, start
from socialflow.video.media.storyboard import (
    StoryboardLayout,
    compose,
    sample_frames,
    storyboard_layout,
)

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
}


@dataclass(frozen=True)
class Rendition:
    """A published rendition: the variant facts and its folder name."""

    name: str
    variant: Variant


@dataclass(frozen=True)
class TranscodeResult:
    out_dir: Path
    renditions: list[Rendition]
    storyboard: StoryboardLayout
    packaging: str = "hls"
    audio: Variant | None = None  # CMAF: the one audio track all renditions share
    thumbnails: list[str] = field(default_factory=list)  # candidate frames, relative names
    # JPEG frames sampled from the pass for the moderation model (poster, storyboard tiles).
    frames: list[bytes] = field(default_factory=list)


def parse_progress(line: str, duration: float) -> float | None:
    """Fraction done from one ``-progress`` line (``out_time_us=...``), else None."""
    key, _, value = line.strip().partition("=")
    if key not in ("out_time_us", "out_time_ms") or not value.lstrip("-").isdigit():
        return None
    seconds = int(value) / 1_000_000  # both keys are microseconds (a historic ffmpeg quirk)
    return max(0.0, min(1.0, seconds / duration)) if duration > 0 else None


def transcode(
    source_path: Path,
    out_dir: Path,
    source: ProbeResult,
    *,
    limits: Limits,
    max_height: int,
    segment_seconds: int,
    preset: str,
    on_progress: Callable[[float], None],
    packaging: str = "hls",
    thumbnails: int = 0,
    sample: int = 0,
) -> TranscodeResult:
    """Run the one ffmpeg process for the whole ladder; report progress as it goes."""
    rungs: list[Rung] = choose_rungs(source, max_height=max_height)
    for rung in rungs:
        (out_dir / rung.name).mkdir(parents=True, exist_ok=True)
    command = transcode_command(
        source_path,
        out_dir,
        source,
        rungs,
        segment_seconds=segment_seconds,
        preset=preset,
        packaging=packaging,
        thumbnails=thumbnails,
    )
    process = start(command, limits, stdout=subprocess.PIPE)
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        kill(process)

    watchdog = threading.Timer(limits.timeout, on_timeout)
    watchdog.daemon = True
    watchdog.start()
    stderr_chunks: list[bytes] = []
    drain = threading.Thread(
        target=lambda: stderr_chunks.append(process.stderr.read() if process.stderr else b""),
        daemon=True,
    )
    drain.start()
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            fraction = parse_progress(raw.decode(errors="replace"), source.duration)
            if fraction is not None:
                on_progress(fraction)
        process.wait()
    except BaseException:
        kill(process)
        raise
    finally:
        watchdog.cancel()
        drain.join(5)
    if timed_out.is_set():
        raise MediaToolFailed(f"transcoding took longer than {limits.timeout:g} s")
    if process.returncode != 0:
        reason = describe_failure(process.returncode, b"".join(stderr_chunks))
        raise MediaToolFailed(f"transcoding failed: {reason}".replace(str(source_path), "<upload>"))
    variants = parse_master((out_dir / "master.m3u8").read_text())
    audio = next((v for v in variants if v.uri.split("/", 1)[0] == AUDIO_TRACK), None)
    if packaging == "cmaf" and audio is not None:
        variants = [v for v in variants if v is not audio]
    else:
        audio = None
    renditions = [Rendition(name=v.uri.split("/", 1)[0], variant=v) for v in variants]
    if len(renditions) != len(rungs):
        raise MediaToolFailed("ffmpeg wrote an incomplete master playlist")
    layout = storyboard_layout(source)
    frames = sample_frames(out_dir, sample)
    compose(out_dir, layout)
    candidates = sorted(
        (p.relative_to(out_dir).as_posix() for p in (out_dir / THUMBNAILS_DIR).glob("*.jpg")),
        key=lambda name: int(Path(name).stem),
    )
    return TranscodeResult(out_dir, renditions, layout, packaging, audio, candidates, frames)


def publish(
    out_dir: Path,
    storage: StorageBackend,
    prefix: str,
    *,
    on_file: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Copy every output file under ``prefix`` (streamed from disk); returns the keys."""
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    keys = []
    for index, path in enumerate(files, start=1):
        relative = path.relative_to(out_dir).as_posix()
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        with path.open("rb") as fh:
            storage.put(prefix + relative, fh, content_type=content_type)
        keys.append(prefix + relative)
        if on_file is not None:
            on_file(index, len(files))
    return keys
