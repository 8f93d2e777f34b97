"""The DASH manifest (MPD) of a CMAF-packaged video, written from its HLS media playlists.

With ``packaging = "cmaf"`` one ffmpeg pass writes fragmented-MP4 segments
(one track per file) and HLS playlists for them. A DASH MPD needs nothing
more than what those playlists say: each track's init segment
(``#EXT-X-MAP``) and its segments with their durations (``#EXTINF``). So the
MPD is rendered from the stored playlists, like the HLS playlists are, with
every segment URL signed by the storage backend: HLS and DASH players fetch
the very same segment objects, and nothing is encoded or stored twice.

The MPD is a static (VOD) ``isoff-main`` presentation: one period, a video
adaptation set with a representation per rung, and an audio adaptation set
with the one audio track, each representation a ``SegmentList`` of explicit
(signed) ``SegmentURL`` entries under a ``SegmentTimeline``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from socialflow.video.media.hls import parse_attributes

TIMESCALE = 1000
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")
MPD_NS = "urn:mpeg:dash:schema:mpd:2011"


@dataclass(frozen=True)
class MediaPlaylist:
    """What a DASH representation needs from one HLS media playlist."""

    init: str | None
    segments: list[tuple[str, float]]  # (file name, seconds)


@dataclass(frozen=True)
class Track:
    """One representation: a video rung or the audio track."""

    name: str
    kind: str  # "video" or "audio"
    bandwidth: int
    codecs: str | None
    width: int
    height: int
    playlist: MediaPlaylist


def _plain(name: str) -> bool:
    return bool(_PLAIN_NAME.fullmatch(name)) and ".." not in name


def parse_media_playlist(text: str) -> MediaPlaylist:
    """The init segment and (segment, duration) pairs of an fMP4 media playlist.

    Only plain relative names (what ffmpeg wrote) are kept, as for HLS.
    """
    init = None
    segments: list[tuple[str, float]] = []
    duration = 0.0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            uri = parse_attributes(line.split(":", 1)[1]).get("URI", "")
            init = uri if _plain(uri) else None
        elif line.startswith("#EXTINF:"):
            value = line.split(":", 1)[1].split(",", 1)[0]
            try:
                duration = float(value)
            except ValueError:
                duration = 0.0
        elif line and not line.startswith("#") and _plain(line):
            segments.append((line, duration))
    return MediaPlaylist(init=init, segments=segments)


def _iso_duration(seconds: float) -> str:
    return f"PT{seconds:.3f}S"


def _timeline(parent: ET.Element, segments: list[tuple[str, float]]) -> None:
    """``<SegmentTimeline>`` with runs of equal durations folded into ``r``."""
    timeline = ET.SubElement(parent, "SegmentTimeline")
    start = 0
    runs: list[list[int]] = []  # [t, d, r]
    for _, seconds in segments:
        length = max(1, round(seconds * TIMESCALE))
        if runs and runs[-1][1] == length:
            runs[-1][2] += 1
        else:
            runs.append([start, length, 0])
        start += length
    for t, d, r in runs:
        attributes = {"t": str(t), "d": str(d)}
        if r:
            attributes["r"] = str(r)
        ET.SubElement(timeline, "S", attributes)


def _representation(
    adaptation: ET.Element, track: Track, url_for: Callable[[str, str], str]
) -> None:
    attributes = {"id": track.name, "bandwidth": str(max(1, track.bandwidth))}
    if track.codecs:
        attributes["codecs"] = track.codecs
    if track.kind == "video" and track.width and track.height:
        attributes |= {"width": str(track.width), "height": str(track.height)}
    representation = ET.SubElement(adaptation, "Representation", attributes)
    if track.kind == "audio":
        ET.SubElement(
            representation,
            "AudioChannelConfiguration",
            {
                "schemeIdUri": "urn:mpeg:dash:23003:3:audio_channel_configuration:2011",
                "value": "2",
            },
        )
    segment_list = ET.SubElement(representation, "SegmentList", {"timescale": str(TIMESCALE)})
    if track.playlist.init:
        ET.SubElement(
            segment_list, "Initialization", {"sourceURL": url_for(track.name, track.playlist.init)}
        )
    _timeline(segment_list, track.playlist.segments)
    for name, _ in track.playlist.segments:
        ET.SubElement(segment_list, "SegmentURL", {"media": url_for(track.name, name)})


def render_mpd(tracks: list[Track], duration: float, url_for: Callable[[str, str], str]) -> str:
    """A static MPD of ``tracks``; ``url_for(track_name, file_name)`` gives each file's URL."""
    ET.register_namespace("", MPD_NS)
    mpd = ET.Element(
        "MPD",
        {
            "xmlns": MPD_NS,
            "profiles": "urn:mpeg:dash:profile:isoff-main:2011",
            "type": "static",
            "mediaPresentationDuration": _iso_duration(duration),
            "minBufferTime": "PT2S",
        },
    )
    period = ET.SubElement(mpd, "Period", {"id": "0", "start": "PT0S"})
    for index, kind in enumerate(("video", "audio")):
        chosen = sorted((t for t in tracks if t.kind == kind), key=lambda t: t.bandwidth)
        if not chosen:
            continue
        adaptation = ET.SubElement(
            period,
            "AdaptationSet",
            {
                "id": str(index),
                "contentType": kind,
                "mimeType": f"{kind}/mp4",
                "segmentAlignment": "true",
                "startWithSAP": "1",
            },
        )
        for track in chosen:
            _representation(adaptation, track, url_for)
    body = ET.tostring(mpd, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
