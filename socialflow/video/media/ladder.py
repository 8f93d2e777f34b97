"""The HLS ladder: which renditions to make, and the one ffmpeg command making them.

One ffmpeg process decodes the source once and encodes every rendition, the
poster and the storyboard sprite from a ``split`` filter: measured here, one
process for a 3-rung ladder is ~20 % faster than three separate jobs
(``../shared/ENVIRONMENT.md``), and there is one process to time-limit and kill.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from socialflow.video.media.binaries import find_ffmpeg
from socialflow.video.media.probe import ProbeResult
from socialflow.video.media.safety import MediaToolFailed, input_options
from socialflow.video.media.storyboard import TILES_DIR, even, storyboard_layout


@dataclass(frozen=True)
class Rung:
    """One rendition: the short side in pixels and target bitrates (bits/s)."""

    height: int
    video_bitrate: int
    audio_bitrate: int = 128_000

    @property
    def name(self) -> str:
        return f"{self.height}p"


LADDER: tuple[Rung, ...] = (
    Rung(240, 400_000, 64_000),
    Rung(360, 800_000, 96_000),
    Rung(480, 1_400_000),
    Rung(720, 2_800_000),
    Rung(1080, 5_000_000, 192_000),
)
POSTER_WIDTH = 1280


def choose_rungs(source: ProbeResult, *, max_height: int = 1080) -> list[Rung]:
    """Rungs up to the source's short side (never upscale), at least one."""
    short_side = min(source.width, source.height)
    rungs = [r for r in LADDER if r.height <= min(short_side, max_height)]
    if not rungs:
        # Smaller than 240p: one rendition at the source's own size.
        rungs = [Rung(even(short_side), 300_000, 64_000)]
    return rungs


def frame_size(source: ProbeResult, rung: Rung) -> tuple[int, int]:
    """Output width x height of ``rung`` for this source, keeping the aspect ratio."""
    if source.width >= source.height:
        return even(source.width * rung.height / source.height), rung.height
    return rung.height, even(source.height * rung.height / source.width)


def transcode_command(
    source_path: Path,
    out_dir: Path,
    source: ProbeResult,
    rungs: list[Rung],
    *,
    segment_seconds: int = 4,
    preset: str = "veryfast",
) -> list[str]:
    """The whole job as one ffmpeg command line, built with ffmpeg-python.

    Writes ``out_dir/<rung>/index.m3u8`` + segments, ``out_dir/master.m3u8``,
    ``out_dir/poster.jpg`` and ``out_dir/storyboard.jpg``; progress as
    ``key=value`` lines on stdout.
    """
    binary = find_ffmpeg()
    if binary is None:
        raise MediaToolFailed("ffmpeg is not installed")
    source_input = ffmpeg.input(f"file:{source_path}", **input_options())
    count = len(rungs)
    video = source_input.video.filter_multi_output("split", count + 2)
    audio = source_input.audio.filter_multi_output("asplit", count) if source.has_audio else None

    streams: list[object] = []
    codec_options: dict[str, object] = {}
    stream_map = []
    for index, rung in enumerate(rungs):
        width, height = frame_size(source, rung)
        streams.append(video[index].filter("scale", width, height).filter("setsar", 1))
        codec_options[f"b:v:{index}"] = rung.video_bitrate
        codec_options[f"maxrate:v:{index}"] = int(rung.video_bitrate * 1.1)
        codec_options[f"bufsize:v:{index}"] = rung.video_bitrate * 2
        entry = f"v:{index}"
        if audio is not None:
            streams.append(audio[index])
            codec_options[f"b:a:{index}"] = rung.audio_bitrate
            entry += f",a:{index}"
        stream_map.append(f"{entry},name:{rung.name}")
    fps = source.frame_rate if 1 <= source.frame_rate <= 120 else 30
    gop = max(1, round(fps * segment_seconds))
    hls = ffmpeg.output(
        *streams,
        str(out_dir / "%v" / "index.m3u8"),
        f="hls",
        hls_time=segment_seconds,
        hls_playlist_type="vod",
        hls_flags="independent_segments",
        hls_segment_type="mpegts",
        hls_segment_filename=str(out_dir / "%v" / "seg_%04d.ts"),
        master_pl_name="master.m3u8",
        var_stream_map=" ".join(stream_map),
        pix_fmt="yuv420p",
        preset=preset,
        g=gop,
        keyint_min=gop,
        sc_threshold=0,
        force_key_frames=f"expr:gte(t,n_forced*{segment_seconds})",
        **{"c:v": "libx264", "profile:v": "main", "c:a": "aac", "ac": 2, "ar": 48000},
        **codec_options,
    )
    poster_at = min(max(source.duration * 0.1, 0.0), 10.0)
    poster = (
        video[count]
        .filter("select", f"gte(t,{poster_at:.3f})")
        .filter("scale", f"min({POSTER_WIDTH},iw)", -2)
        .output(str(out_dir / "poster.jpg"), vframes=1, **{"q:v": 3, "update": 1})
    )
    layout = storyboard_layout(source)
    # One JPEG per tile, sprite made afterwards (storyboard.compose): ffmpeg reports
    # progress only once every output has written its header, and a ``tile`` filter
    # output would write its header at the very end, so progress sat at 0 until done.
    (out_dir / TILES_DIR).mkdir(exist_ok=True)
    storyboard = (
        video[count + 1]
        .filter("fps", f"1/{layout.interval}")
        .filter("scale", layout.tile_width, layout.tile_height)
        .output(
            str(out_dir / TILES_DIR / "%04d.jpg"),
            start_number=0,
            **{"frames:v": layout.count, "q:v": 5},
        )
    )
    command = ffmpeg.merge_outputs(hls, poster, storyboard).global_args(
        "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1", "-y"
    )
    return [binary.path, *command.get_args()]
