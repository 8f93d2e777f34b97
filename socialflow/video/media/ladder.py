"""The HLS ladder: which renditions to make, and the one ffmpeg command making them.

One ffmpeg process decodes the source once and encodes every rendition, the
poster and the storyboard sprite from a ``split`` filter: measured here, one
process for a 3-rung ladder is ~20 % faster than three separate jobs
(``../shared/ENVIRONMENT.md``), and there is one process to time-limit and kill.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
AUDIO_TRACK = "audio"
AUDIO_TRACK_BITRATE = 128_000
THUMBNAILS_DIR = "thumbnails"


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
    packaging: str = "hls",
    thumbnails: int = 0,
) -> list[str]:
    """The whole job as one ffmpeg command line, built with ffmpeg-python.

    Writes ``out_dir/<rung>/index.m3u8`` + segments, ``out_dir/master.m3u8``,
    ``out_dir/poster.jpg``, ``out_dir/storyboard.jpg`` and ``thumbnails``
    candidate frames ``out_dir/thumbnails/<n>.jpg``; progress as
    ``key=value`` lines on stdout.

    ``packaging="hls"``: MPEG-TS segments, audio muxed into each rendition
    (every HLS player). ``"cmaf"``: fragmented MP4 (CMAF) segments, one track
    per file (each video rung, plus one ``audio`` track shared by all), which
    an HLS master and a DASH MPD both reference (:mod:`socialflow.video.media.dash`).
    """
    cmaf = packaging == "cmaf"
    binary = find_ffmpeg()
    if binary is None:
        raise MediaToolFailed("ffmpeg is not installed")
    source_input = ffmpeg.input(f"file:{source_path}", **input_options())
    count = len(rungs)
    extra = 3 if thumbnails else 2
    video = source_input.video.filter_multi_output("split", count + extra)
    split_audio = source.has_audio and not cmaf
    audio = source_input.audio.filter_multi_output("asplit", count) if split_audio else None

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
        if cmaf and source.has_audio:
            entry += ",agroup:audio"
        stream_map.append(f"{entry},name:{rung.name}")
    if cmaf and source.has_audio:
        # One audio track for every rung: CMAF keeps one track per file, and
        # both manifests point each video rendition at the same audio.
        streams.append(source_input.audio)
        codec_options["b:a:0"] = AUDIO_TRACK_BITRATE
        stream_map.append(f"a:0,agroup:audio,name:{AUDIO_TRACK}")
    fps = source.frame_rate if 1 <= source.frame_rate <= 120 else 30
    gop = max(1, round(fps * segment_seconds))
    hls = ffmpeg.output(
        *streams,
        str(out_dir / "%v" / "index.m3u8"),
        f="hls",
        hls_time=segment_seconds,
        hls_playlist_type="vod",
        hls_flags="independent_segments",
        **_segment_options(out_dir, cmaf=cmaf),
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
    outputs = [hls, poster, storyboard]
    if thumbnails:
        outputs.append(_thumbnail_output(video[count + 2], out_dir, source, thumbnails))
    command = ffmpeg.merge_outputs(*outputs).global_args(
        "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1", "-y"
    )
    return [binary.path, *command.get_args()]


def _segment_options(out_dir: Path, *, cmaf: bool) -> dict[str, object]:
    """The HLS muxer's segment format: MPEG-TS, or CMAF (fMP4 with an init segment)."""
    if not cmaf:
        return {
            "hls_segment_type": "mpegts",
            "hls_segment_filename": str(out_dir / "%v" / "seg_%04d.ts"),
        }
    return {
        "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(out_dir / "%v" / "seg_%04d.m4s"),
    }


def _thumbnail_output(stream: Any, out_dir: Path, source: ProbeResult, count: int) -> Any:
    """``count`` candidate frames spread evenly over the video (the owner picks one).

    ``select`` keeps the first frame at or after each target time, so no
    candidate is the black first frame many videos start with.
    """
    step = max(source.duration, 0.1) / count
    (out_dir / THUMBNAILS_DIR).mkdir(exist_ok=True)
    return (
        stream.filter("select", f"gte(t,{step / 2:.3f}+{step:.3f}*selected_n)")
        .filter("scale", f"min({POSTER_WIDTH},iw)", -2)
        .output(
            str(out_dir / THUMBNAILS_DIR / "%d.jpg"),
            start_number=0,
            fps_mode="vfr",
            **{"frames:v": count, "q:v": 3},
        )
    )
