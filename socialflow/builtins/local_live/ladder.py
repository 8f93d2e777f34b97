"""The live HLS ladder: one ffmpeg listener per broadcast, and the playlists served from it.

One ffmpeg process takes the publisher's RTMP, decodes once and encodes every
rendition (``split``), each to its own HLS output with 1 s segments
(keyframes forced every segment) and ``EXT-X-PROGRAM-DATE-TIME`` tags, so
players can hold a low, steady latency. Each rendition is a separate output
rather than one ``var_stream_map``: a publisher without audio then still
works (``-map 0:a?``), and we write the master playlist ourselves.

ffmpeg keeps every segment in the rendition's playlist (``hls_list_size 0``):
the live playlist viewers get is cut to the last few segments when served
(:func:`live_window`), and the whole list, with ``#EXT-X-ENDLIST``, is the
recording. Nothing is encoded again to make the recording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEGMENT = re.compile(r"^seg_[0-9]{5,9}\.ts$")
RENDITION = re.compile(r"^[0-9]{2,4}p$")


@dataclass(frozen=True)
class LiveRung:
    height: int

    @property
    def name(self) -> str:
        return f"{self.height}p"

    @property
    def video_bitrate(self) -> int:
        known = {144: 200_000, 240: 400_000, 360: 800_000, 480: 1_400_000, 720: 2_800_000}
        return known.get(self.height, max(150_000, int(self.height * self.height * 5.5)))

    @property
    def audio_bitrate(self) -> int:
        return 64_000 if self.height <= 240 else 96_000

    @property
    def bandwidth(self) -> int:
        return int((self.video_bitrate + self.audio_bitrate) * 1.1)


def listener_command(ffmpeg: str, *, listen_url: str, media_fd: int) -> list[str]:
    """ffmpeg listening once on ``listen_url`` and copying what it gets, untouched.

    The media goes on as NUT to ``media_fd`` (the ladder process reads it:
    :func:`ladder_command`); the video packets also go, one ``framecrc`` line
    each, to stdout, which :mod:`.health` measures the broadcast from. The
    ladder is a second process because how it cuts segments depends on the
    channel's latency mode, known only once the publisher names its key,
    after this listener has answered the RTMP handshake.
    """
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-listen",
        "1",
        *QUICK_PROBE,
        "-i",
        listen_url,
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "nut",
        "-flush_packets",
        "1",
        f"pipe:{media_fd}",
        *PACKET_REPORT,
    ]


# Start from the first packets instead of probing 5 s of stream: seconds off the time to
# the first segment (an RTMP publisher announces its streams up front, NUT carries them).
QUICK_PROBE = ["-fpsprobesize", "0", "-probesize", "32768", "-analyzeduration", "500000"]

# The publisher's video packets as they came (no decoding): one line each on stdout.
PACKET_REPORT = ["-map", "0:v:0", "-c:v", "copy", "-f", "framecrc", "-flush_packets", "1", "pipe:1"]


def ladder_command(
    ffmpeg: str,
    *,
    out_dir: Path,
    rungs: list[LiveRung],
    segment_seconds: float,
    preset: str,
    progress_fd: int,
) -> list[str]:
    """ffmpeg reading the listener's NUT on stdin, writing ``out_dir/<rung>/index.m3u8`` + segments.

    ``-progress`` goes to ``progress_fd``: whether encoding keeps up (speed),
    frames dropped and duplicated.
    """
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-progress",
        f"pipe:{progress_fd}",
        *QUICK_PROBE,
        "-f",
        "nut",
        "-i",
        "pipe:0",
        *ladder_arguments(
            out_dir=out_dir, rungs=rungs, segment_seconds=segment_seconds, preset=preset
        ),
    ]


def ladder_arguments(
    *,
    out_dir: Path | str,
    rungs: list[LiveRung],
    segment_seconds: float,
    preset: str,
    append: bool = False,
) -> list[str]:
    """Everything after ffmpeg's input: the filter graph and one HLS output per rung.

    ``out_dir`` may be a template (the nginx-rtmp provider passes
    ``.../broadcasts/$name``, which nginx fills in per publish). ``append``:
    an ffmpeg started again on the same broadcast (nginx respawns one that
    died) continues the playlists instead of starting them over.
    """
    flags = "program_date_time+independent_segments+temp_file"
    if append:
        flags += "+append_list"
    out = str(out_dir)
    count = len(rungs)
    labels = "".join(f"[v{i}]" for i in range(count))
    scales = ";".join(
        # Never upscale: a 360p publisher on a 720p rung stays 360p.
        f"[v{i}]scale=-2:'min(ih,{rung.height})':flags=bilinear,setsar=1[o{i}]"
        for i, rung in enumerate(rungs)
    )
    command = ["-filter_complex", f"[0:v]split={count}{labels};{scales}"]
    for index, rung in enumerate(rungs):
        folder = f"{out}/{rung.name}"
        command += [
            "-map",
            f"[o{index}]",
            "-map",
            "0:a?",
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-tune",
            "zerolatency",
            "-profile:v",
            "main",
            "-pix_fmt",
            "yuv420p",
            "-b:v",
            str(rung.video_bitrate),
            "-maxrate",
            str(int(rung.video_bitrate * 1.1)),
            "-bufsize",
            str(rung.video_bitrate),
            "-force_key_frames",
            f"expr:gte(t,n_forced*{segment_seconds})",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            str(rung.audio_bitrate),
            "-ac",
            "2",
            "-ar",
            "48000",
            "-f",
            "hls",
            "-hls_time",
            f"{segment_seconds:g}",
            "-hls_list_size",
            "0",
            "-hls_flags",
            flags,
            "-hls_segment_type",
            "mpegts",
            "-hls_segment_filename",
            f"{folder}/seg_%05d.ts",
            f"{folder}/index.m3u8",
        ]
    return command


def master_playlist(rungs: list[LiveRung], prefix: str) -> str:
    """The master playlist: each rung's media playlist under ``prefix`` (relative URIs)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in sorted(rungs, key=lambda r: r.bandwidth):
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung.bandwidth}",
            f"{prefix}{rung.name}/index.m3u8",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Entry:
    tags: tuple[str, ...]  # the tag lines before the URI (EXTINF, PROGRAM-DATE-TIME...)
    uri: str
    duration: float


def parse_media(text: str) -> tuple[list[str], list[Entry], bool]:
    """(header tags, entries, ended) of an ffmpeg media playlist."""
    header: list[str] = []
    entries: list[Entry] = []
    pending: list[str] = []
    ended = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith(("#EXTINF:", "#EXT-X-PROGRAM-DATE-TIME:", "#EXT-X-DISCONTINUITY")):
            pending.append(line)
        elif line.startswith("#"):
            if not entries and not pending:
                header.append(line)
        elif SEGMENT.match(line):
            duration = 0.0
            for tag in pending:
                if tag.startswith("#EXTINF:"):
                    duration = float(tag[8:].split(",", 1)[0] or 0)
            entries.append(Entry(tuple(pending), line, duration))
            pending = []
    return header, entries, ended


def _kept_header(header: list[str]) -> list[str]:
    return [
        line
        for line in header
        if not line.startswith(("#EXT-X-MEDIA-SEQUENCE", "#EXT-X-PLAYLIST-TYPE", "#EXTM3U"))
    ]


def live_window(text: str, segments: int) -> str:
    """The live playlist viewers get: the last ``segments`` entries, sequence numbered."""
    header, entries, ended = parse_media(text)
    start = max(0, len(entries) - segments)
    lines = ["#EXTM3U", *_kept_header(header), f"#EXT-X-MEDIA-SEQUENCE:{start}"]
    for entry in entries[start:]:
        lines += [*entry.tags, entry.uri]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def vod_playlist(text: str) -> tuple[str, float]:
    """The recording's playlist (every segment, ``VOD``, ``ENDLIST``) and its duration."""
    header, entries, _ = parse_media(text)
    lines = [
        "#EXTM3U",
        *_kept_header(header),
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for entry in entries:
        lines += [*entry.tags, entry.uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n", sum(e.duration for e in entries)
