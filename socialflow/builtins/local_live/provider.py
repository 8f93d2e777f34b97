"""The ``local`` streaming provider: the default when the live app is on.

Publishers send RTMP to this host (``[plugin.local_streaming] rtmp_port``);
ffmpeg turns each broadcast into a low-latency HLS ladder in a folder under
``root`` (default ``<project>/live``); the live app serves those files at
the channel's playback URL and copies finished broadcasts into on-demand
videos. Everything is in files, so every process on the host (API processes,
workers) sees the same channels; the ingest itself runs in one process, the
one that calls :meth:`LocalStreaming.serve` (docs/live.md).

Building the provider starts nothing: no port, no thread, no process.

Long because the channel file is the provider's only shared state between
processes: every operation on a channel or broadcast (keys, visibility,
recordings, health, ending) reads and rewrites it under the same lock and
the same rules, kept together here rather than repeated per module.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from socialflow.builtins.local_live.health import Limits
from socialflow.builtins.local_live.ingest import HEALTH_FILE, Ingest, IngestConfig
from socialflow.builtins.local_live.ladder import (
    RENDITION,
    SEGMENT,
    LiveRung,
    live_window,
    master_playlist,
    vod_playlist,
)
from socialflow.builtins.local_live.registry import REF, Registry
from socialflow.core.settings import Settings, SettingsError
from socialflow.plugins.protocols import (
    Broadcast,
    ChannelStatus,
    LatencyMode,
    LiveChannel,
    LiveRecording,
    RecordedRendition,
    StreamHealthReport,
)
from socialflow.plugins.specs import hookimpl

SECTION = "local_streaming"
POSTER = "poster.jpg"


def _int_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class LocalStreamingSettings(BaseModel):
    """``[plugin.local_streaming]``: where publishers connect and what the ladder is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    root: Path | None = Field(
        default=None, description="Folder of channels and broadcasts; default <project>/live."
    )
    rtmp_host: str = Field(default="127.0.0.1", description="Address the RTMP ingest binds.")
    rtmp_port: int = Field(
        default=1935, ge=0, le=65535, description="RTMP ingest port; 0 picks a free one."
    )
    public_ingest_url: str | None = Field(
        default=None,
        pattern=r"^rtmps?://",
        description="What publishers are told to connect to (rtmp://live.example.com/live); "
        "default rtmp://<rtmp_host>:<port>/live.",
    )
    renditions: Annotated[list[int], BeforeValidator(_int_list)] = Field(
        default_factory=lambda: [720, 360, 240],
        min_length=1,
        max_length=4,
        description="Heights of the HLS ladder (never above the publisher's own).",
    )
    segment_seconds: int = Field(
        default=1, ge=1, le=6, description="HLS segment length of the standard latency mode."
    )
    low_latency_segment_seconds: float = Field(
        default=0.5,
        ge=0.2,
        le=2,
        description="HLS segment length of the low latency mode (a keyframe starts each).",
    )
    live_window: int = Field(
        default=6, ge=3, le=60, description="Segments in the live playlists viewers get."
    )
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"
    max_publishers: int = Field(
        default=8, ge=1, le=256, description="Connections (and ffmpeg listeners) at once."
    )
    publish_timeout: float = Field(
        default=10, gt=0, le=120, description="Seconds a connection has to publish a key."
    )
    max_height: int = Field(
        default=2160,
        ge=0,
        le=4320,
        description="Tallest video a publisher may send (pixels); a taller one is stopped. "
        "0: no limit.",
    )
    max_bitrate_kbps: int = Field(
        default=20_000,
        ge=0,
        description="Highest incoming video bitrate (kbps, averaged over 5 s); a stream above "
        "it is stopped. 0: no limit.",
    )
    min_keyframe_interval: float = Field(
        default=0,
        ge=0,
        le=60,
        description="Shortest allowed time between the publisher's keyframes, seconds. 0: none.",
    )
    max_keyframe_interval: float = Field(
        default=10,
        ge=0,
        le=60,
        description="Longest allowed time between the publisher's keyframes, seconds; "
        "players cannot join between them. 0: no limit.",
    )


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _find_ffmpeg() -> str | None:
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:
        return None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class LocalStreaming:
    """Channels in files, ingest by :class:`~.ingest.Ingest`, HLS served by the platform."""

    name = "local"

    def __init__(self, settings: Settings, config: LocalStreamingSettings) -> None:
        self.config = config
        self.root = (config.root or settings.project_dir / "live").expanduser().resolve()
        self.registry = Registry(self.root)
        self._api = settings.public_url.rstrip("/") + settings.api_prefix
        self._listeners: list[Callable[[str], None]] = []
        self._ingest: Ingest | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------- channels

    def ingest_url(self) -> str:
        if self.config.public_ingest_url:
            return self.config.public_ingest_url.rstrip("/")
        port = self.config.rtmp_port
        with contextlib.suppress(OSError, ValueError, KeyError):
            port = int(json.loads((self.root / "ingest.json").read_text())["port"])
        return f"rtmp://{self.config.rtmp_host}:{port}/live"

    def playback_url(self, channel_ref: str) -> str:
        return f"{self._api}/live/play/{channel_ref}/master.m3u8"

    def create_channel(self, *, owner_id: str, title: str, record: bool) -> LiveChannel:
        channel, key = self.registry.create(owner_id=owner_id, title=title, record=record)
        return LiveChannel(
            channel_ref=channel.ref,
            ingest_url=self.ingest_url(),
            stream_key=key,
            playback_url=self.playback_url(channel.ref),
        )

    def rotate_key(self, *, channel_ref: str) -> str:
        # The ingest's watchdog drops a publisher whose key is no longer the channel's.
        return self.registry.rotate(channel_ref)

    def channel_status(self, *, channel_ref: str) -> ChannelStatus:
        status = self.registry.read(channel_ref).status
        assert status in ("idle", "live", "ended")
        return status  # type: ignore[return-value]

    def broadcasts(self, *, channel_ref: str) -> list[Broadcast]:
        return [
            Broadcast(
                broadcast_ref=b.ref,
                status="live" if b.status == "live" else "ended",
                started_at=datetime.fromisoformat(b.started_at),
                ended_at=_parse_time(b.ended_at),
            )
            for b in self.registry.read(channel_ref).broadcasts
        ]

    def disconnect(self, *, channel_ref: str) -> None:
        with self.registry.change(channel_ref) as channel:
            channel.drop = channel.status == "live"

    def stop_channel(self, *, channel_ref: str) -> None:
        self.registry.forget_key(channel_ref)
        with self.registry.change(channel_ref) as channel:
            channel.status = "ended"

    # ----------------------------------------------------------- recordings

    def _broadcast_folder(self, channel_ref: str, broadcast_ref: str) -> Path:
        channel = self.registry.read(channel_ref)
        if not REF.match(broadcast_ref) or broadcast_ref not in {b.ref for b in channel.broadcasts}:
            raise KeyError(broadcast_ref)
        return self.registry.broadcasts / broadcast_ref

    def _rungs(self, folder: Path) -> list[LiveRung]:
        names = sorted(
            (p.name for p in folder.iterdir() if p.is_dir() and RENDITION.match(p.name)),
            key=lambda n: int(n[:-1]),
        )
        return [LiveRung(int(name[:-1])) for name in names]

    def recording(self, *, channel_ref: str, broadcast_ref: str) -> LiveRecording | None:
        channel = self.registry.read(channel_ref)
        broadcast = next((b for b in channel.broadcasts if b.ref == broadcast_ref), None)
        if not channel.record or broadcast is None or broadcast.status != "ended":
            return None
        folder = self.registry.broadcasts / broadcast_ref
        if not folder.is_dir():
            return None
        renditions: list[RecordedRendition] = []
        files: list[str] = []
        duration = 0.0
        for rung in self._rungs(folder):
            playlist = folder / rung.name / "index.m3u8"
            if not playlist.is_file():
                continue
            text, seconds = vod_playlist(playlist.read_text())
            segments = [line for line in text.splitlines() if SEGMENT.match(line)]
            if not segments:
                continue
            width, height = _frame_size(folder / rung.name / segments[0], rung.height)
            renditions.append(
                RecordedRendition(rung.name, width, height, rung.bandwidth, "avc1.4d401f,mp4a.40.2")
            )
            files += [f"{rung.name}/index.m3u8", *(f"{rung.name}/{s}" for s in segments)]
            duration = max(duration, seconds)
        if not renditions:
            return None
        top = renditions[-1].name
        first = next(f for f in files if f.startswith(f"{top}/seg_"))
        if _poster(folder / first, folder / POSTER):
            files.append(POSTER)
        return LiveRecording(broadcast_ref, duration, tuple(renditions), tuple(files))

    def open_recording_file(self, *, channel_ref: str, recording_ref: str, path: str) -> BinaryIO:
        folder = self._broadcast_folder(channel_ref, recording_ref)
        parts = path.split("/")
        if path == POSTER:
            return (folder / POSTER).open("rb")
        if len(parts) != 2 or not RENDITION.match(parts[0]):
            raise KeyError(path)
        if parts[1] == "index.m3u8":
            text, _ = vod_playlist((folder / path).read_text())
            return io.BytesIO(text.encode())
        if not SEGMENT.match(parts[1]):
            raise KeyError(path)
        return (folder / path).open("rb")

    def delete_recording(self, *, channel_ref: str, recording_ref: str) -> None:
        """Remove the broadcast's files; its ``health.json`` stays while it is the newest.

        The creator reads the last measured health after the broadcast
        (:meth:`stream_health`), which outlasts the recording's copy.
        """
        try:
            folder = self._broadcast_folder(channel_ref, recording_ref)
        except KeyError:
            return
        newest = self.registry.read(channel_ref).broadcasts[-1].ref
        for ref in {b.ref for b in self.registry.read(channel_ref).broadcasts} - {newest}:
            older = self.registry.broadcasts / ref
            if ref != recording_ref and [p.name for p in _children(older)] == [HEALTH_FILE]:
                shutil.rmtree(older, ignore_errors=True)  # an earlier broadcast's leftover
        if recording_ref != newest:
            shutil.rmtree(folder, ignore_errors=True)
            return
        for path in _children(folder):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.name != HEALTH_FILE:
                path.unlink(missing_ok=True)

    def check(self) -> str:
        if _find_ffmpeg() is None:
            raise RuntimeError("ffmpeg is not installed (the local streaming provider needs it)")
        self.registry.ensure()
        return f"local streaming: {self.root}, RTMP {self.ingest_url()}"

    # ------------------------------------------------- hosted ingest, events

    def subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def _notify(self, channel_ref: str) -> None:
        for listener in list(self._listeners):
            listener(channel_ref)

    def serve(self) -> None:
        with self._lock:
            if self._ingest is not None:
                return
            ffmpeg = _find_ffmpeg()
            if ffmpeg is None:
                raise SettingsError("the local streaming provider needs ffmpeg on PATH")
            config = IngestConfig(
                host=self.config.rtmp_host,
                port=self.config.rtmp_port,
                ffmpeg=ffmpeg,
                rungs=[LiveRung(h) for h in sorted(set(self.config.renditions), reverse=True)],
                segment_seconds=self.config.segment_seconds,
                low_latency_segment_seconds=self.config.low_latency_segment_seconds,
                preset=self.config.preset,
                max_publishers=self.config.max_publishers,
                publish_timeout=self.config.publish_timeout,
                limits=Limits(
                    max_height=self.config.max_height,
                    max_bitrate_kbps=self.config.max_bitrate_kbps,
                    min_keyframe_interval=self.config.min_keyframe_interval,
                    max_keyframe_interval=self.config.max_keyframe_interval,
                ),
            )
            ingest = Ingest(self.registry, config, self._notify)
            ingest.start()
            self._ingest = ingest

    def shutdown(self) -> None:
        with self._lock:
            ingest, self._ingest = self._ingest, None
        if ingest is not None:
            ingest.stop()

    def set_latency_mode(self, *, channel_ref: str, mode: LatencyMode) -> None:
        """From the channel's next broadcast on (a broadcast keeps the segments it began with)."""
        with self.registry.change(channel_ref) as channel:
            channel.latency_mode = mode

    def stream_health(self, *, channel_ref: str) -> StreamHealthReport | None:
        """The newest broadcast's health as the ingest last measured it (None before any)."""
        channel = self.registry.read(channel_ref)
        if not channel.broadcasts:
            return None
        latest = channel.broadcasts[-1]
        measured: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            read = json.loads((self.registry.broadcasts / latest.ref / HEALTH_FILE).read_text())
            measured = read if isinstance(read, dict) else {}
        return StreamHealthReport(
            broadcast_ref=latest.ref,
            live=latest.status == "live",
            measured=measured,
            stopped_reason=latest.stopped_reason,
        )

    def open_playback(self, *, channel_ref: str, path: str) -> bytes:
        """A file of the channel's live output: KeyError for anything else."""
        channel = self.registry.read(channel_ref)
        if path == "master.m3u8":
            if not channel.broadcasts:
                raise KeyError(path)
            current = channel.broadcasts[-1].ref
            rungs = self._rungs(self.registry.broadcasts / current)
            return master_playlist(rungs, f"{current}/").encode()
        parts = path.split("/")
        if len(parts) != 3 or not RENDITION.match(parts[1]):
            raise KeyError(path)
        folder = self._broadcast_folder(channel_ref, parts[0]) / parts[1]
        try:
            if parts[2] == "index.m3u8":
                text = (folder / "index.m3u8").read_text()
                return live_window(text, self.config.live_window).encode()
            if SEGMENT.match(parts[2]):
                return (folder / parts[2]).read_bytes()
        except FileNotFoundError:
            raise KeyError(path) from None
        raise KeyError(path)


def _frame_size(segment: Path, height: int) -> tuple[int, int]:
    """Width x height of a segment's video (ffprobe); (0, rung height) without ffprobe."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return 0, height
    try:
        out = subprocess.run(
            [
                ffprobe,
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height",
                "-of",
                "csv=p=0",
                str(segment),
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout.strip()
        match = re.match(r"^(\d+),(\d+)", out)
    except (OSError, subprocess.TimeoutExpired):
        return 0, height
    return (int(match.group(1)), int(match.group(2))) if match else (0, height)


def _poster(segment: Path, target: Path) -> bool:
    """One frame of the first segment as the poster (decoding a frame, not re-encoding video)."""
    if target.is_file():
        return True
    ffmpeg = _find_ffmpeg()
    if ffmpeg is None:
        return False
    try:
        subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(segment),
                "-frames:v",
                "1",
                "-q:v",
                "3",
                str(target),
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return target.is_file()


def make_local_streaming(settings: Settings) -> LocalStreaming:
    return LocalStreaming(settings, settings.plugin_config(SECTION, LocalStreamingSettings))


@hookimpl
def socialflow_streaming_providers() -> dict[str, Callable[[Settings], LocalStreaming]]:
    return {"local": make_local_streaming}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return SECTION, LocalStreamingSettings
