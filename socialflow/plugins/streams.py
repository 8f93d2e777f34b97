"""File objects as storage SDKs expect them, for storage backend authors.

``StorageBackend.put`` receives any binary file object: a file on disk, a
``BytesIO``, or a stream of unknown length such as the tus server's request
body, which may answer a ``read(n)`` with fewer than ``n`` bytes and cannot
``seek`` or ``tell``. Several SDKs take a short read for the end of a stream
of unknown length (boto3's non-seekable multipart path, google-cloud-storage's
resumable uploads) or call ``tell()`` first. :func:`forward_only` wraps such
a stream so that every read is full (fewer bytes only at the end) and
``tell`` reports the position; seekable files are returned unchanged.
"""

from __future__ import annotations

import io
from typing import BinaryIO


class ForwardReader(io.RawIOBase):
    """Full reads and a position over a forward-only stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._position = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._stream.read()
            self._position += len(data)
            return bytes(data)
        pieces: list[bytes] = []
        wanted = size
        while wanted > 0:
            piece = self._stream.read(wanted)
            if not piece:
                break
            pieces.append(bytes(piece))
            wanted -= len(piece)
        data = b"".join(pieces)
        self._position += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def forward_only(stream: BinaryIO) -> BinaryIO:
    """``stream`` itself if it can seek, else a :class:`ForwardReader` over it."""
    try:
        seekable = bool(stream.seekable())
    except (AttributeError, ValueError):
        seekable = False
    if seekable:
        return stream
    return ForwardReader(stream)  # type: ignore[return-value]
