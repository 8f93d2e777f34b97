"""Reading and rewriting HLS playlists (RFC 8216).

The master playlist ffmpeg writes tells us each variant's BANDWIDTH,
RESOLUTION and CODECS; we keep those on the video row and serve a master
playlist generated from them, and media playlists whose segment URIs are
rewritten to (signed) storage URLs, so segments never pass through the app
unless the storage backend is the app itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")
AUDIO_GROUP = "audio"


@dataclass(frozen=True)
class Variant:
    """One ``#EXT-X-STREAM-INF`` entry."""

    uri: str
    bandwidth: int
    width: int
    height: int
    codecs: str | None


def parse_attributes(text: str) -> dict[str, str]:
    return {name: value.strip('"') for name, value in _ATTRIBUTE.findall(text)}


def parse_master(text: str) -> list[Variant]:
    """Variants of a master playlist, in file order."""
    variants: list[Variant] = []
    pending: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(line.split(":", 1)[1])
        elif line and not line.startswith("#") and pending is not None:
            width, _, height = pending.get("RESOLUTION", "0x0").partition("x")
            variants.append(
                Variant(
                    uri=line,
                    bandwidth=int(pending.get("BANDWIDTH", "0")),
                    width=int(width or 0),
                    height=int(height or 0),
                    codecs=pending.get("CODECS"),
                )
            )
            pending = None
    return variants


def render_master(variants: list[tuple[Variant, str]], audio_uri: str | None = None) -> str:
    """A master playlist; each variant paired with the URI to publish for it.

    ``audio_uri``: the media playlist of a separate audio track (CMAF
    packaging) that every variant plays with, as an ``EXT-X-MEDIA`` group.
    """
    version = 7 if audio_uri else 6  # fMP4 segments (EXT-X-MAP) need version 7
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio_uri:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="audio",DEFAULT=YES,'
            f'AUTOSELECT=YES,URI="{audio_uri}"'
        )
    for variant, uri in sorted(variants, key=lambda pair: pair[0].bandwidth):
        attributes = [f"BANDWIDTH={variant.bandwidth}"]
        if variant.width and variant.height:
            attributes.append(f"RESOLUTION={variant.width}x{variant.height}")
        if variant.codecs:
            attributes.append(f'CODECS="{variant.codecs}"')
        if audio_uri:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", uri]
    return "\n".join(lines) + "\n"


def segment_names(playlist: str) -> list[str]:
    """The URI lines of a media playlist."""
    return [
        line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")
    ]


def rewrite_media_playlist(playlist: str, url_for: Callable[[str], str]) -> str:
    """Replace every segment URI, and an fMP4 init segment's (``#EXT-X-MAP``), with
    ``url_for(uri)``.

    Only plain relative names (what ffmpeg wrote) are accepted; anything else
    (an absolute URL, a path with ``..``) is dropped rather than published.
    """
    out = []
    for raw in playlist.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            uri = parse_attributes(line.split(":", 1)[1]).get("URI", "")
            if _PLAIN_NAME.fullmatch(uri) and ".." not in uri:
                out.append(f'#EXT-X-MAP:URI="{url_for(uri)}"')
        elif not line or line.startswith("#"):
            out.append(line)
        elif _PLAIN_NAME.fullmatch(line) and ".." not in line:
            out.append(url_for(line))
    return "\n".join(out) + "\n"
