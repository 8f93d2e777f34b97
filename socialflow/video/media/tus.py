"""tus 1.0 protocol vocabulary: headers, metadata and checksum parsing.

HTTP-free, so the API router and tests share one definition of the
protocol. See https://tus.io/protocols/resumable-upload (core, creation,
creation-with-upload, termination, checksum, expiration).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from socialflow.core.inputs import ascii_int, has_forbidden_chars

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_MISMATCH_STATUS = 460
_METADATA_KEY = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_METADATA_LENGTH = 4096


class TusError(ValueError):
    """A request violates the protocol; the router answers 400 unless told otherwise."""


def parse_metadata(header: str | None) -> dict[str, str | None]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (value optional).

    Keys must be unique ASCII tokens; values must be valid base64. Values are
    decoded as UTF-8 (invalid bytes replaced: they are only labels to us) and
    must hold no NUL or control characters (they become filenames and titles).
    """
    if not header or not header.strip():
        return {}
    if len(header) > MAX_METADATA_LENGTH:
        raise TusError(f"Upload-Metadata is longer than {MAX_METADATA_LENGTH} characters")
    result: dict[str, str | None] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _METADATA_KEY.match(parts[0]):
            raise TusError(f"malformed Upload-Metadata entry {pair.strip()[:40]!r}")
        key = parts[0]
        if key in result:
            raise TusError(f"Upload-Metadata key {key!r} appears twice")
        if len(parts) == 1:
            result[key] = None
            continue
        try:
            value = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise TusError(f"Upload-Metadata value of {key!r} is not base64") from exc
        text = value.decode("utf-8", errors="replace")
        if has_forbidden_chars(text):
            raise TusError(f"Upload-Metadata value of {key!r} holds NUL or control characters")
        result[key] = text
    return result


def parse_offset(value: str | None, header: str = "Upload-Offset") -> int:
    """``Upload-Offset``/``Upload-Length``: ASCII digits only, within a ``BIGINT``."""
    number = ascii_int(value)
    if number is None:
        raise TusError(f"{header} must be a non-negative integer of at most 19 digits")
    return number


@dataclass(frozen=True)
class Checksum:
    """An ``Upload-Checksum`` header: algorithm and expected digest."""

    algorithm: str
    digest: bytes

    def hasher(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm, usedforsecurity=False)


def parse_checksum(value: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``; unsupported algorithms are a 400."""
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(
            f"checksum algorithm {algorithm!r} is not supported "
            f"(use one of {', '.join(CHECKSUM_ALGORITHMS)})"
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TusError("Upload-Checksum digest is not base64") from exc
    if len(digest) != hashlib.new(algorithm, usedforsecurity=False).digest_size:
        raise TusError("Upload-Checksum digest has the wrong length")
    return Checksum(algorithm, digest)


def http_date(value: datetime) -> str:
    """RFC 9110 date, as ``Upload-Expires`` wants."""
    return format_datetime(value, usegmt=True)


def options_headers(max_size: int) -> dict[str, str]:
    return {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": ",".join(TUS_EXTENSIONS),
        "Tus-Max-Size": str(max_size),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }
