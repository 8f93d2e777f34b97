"""Bridge an ASGI request body (async) to a blocking file object.

Storage backends take ``bytes | BinaryIO`` and block (boto3, files), so they
run in a worker thread; :class:`AsyncBodyReader` lets that thread ``read()``
the request body as it arrives, pulling from the event loop about a
megabyte at a time. Nothing is buffered beyond one read, so memory stays flat
however large the upload, and the bytes are written once, straight to the
backend. It also counts and hashes what passes through, and stops at a limit.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator

import anyio.from_thread


class BodyTooLarge(Exception):  # noqa: N818 - reads as the condition
    """More bytes arrived than the upload has room for."""


class AsyncBodyReader(io.RawIOBase):
    """A readable binary file over an async byte iterator (used from a worker thread)."""

    def __init__(
        self, chunks: AsyncIterator[bytes], *, limit: int, hasher: hashlib._Hash | None = None
    ) -> None:
        self._chunks = chunks
        self._limit = limit
        self._buffer = bytearray()
        self._eof = False
        self.hasher = hasher
        self.size = 0
        self.disconnected = False

    def readable(self) -> bool:
        return True

    async def _fill(self, wanted: int) -> None:
        from starlette.requests import ClientDisconnect

        try:
            while len(self._buffer) < wanted:
                chunk = await self._chunks.__anext__()
                self._buffer += chunk
        except StopAsyncIteration:
            self._eof = True
        except ClientDisconnect:
            # The client went away: what arrived so far is kept (tus resumes from it).
            self.disconnected = True
            self._eof = True

    def read(self, size: int = -1) -> bytes:
        wanted = size if size and size > 0 else 1024 * 1024
        if len(self._buffer) < wanted and not self._eof:
            anyio.from_thread.run(self._fill, wanted)
        data = bytes(self._buffer[:wanted])
        del self._buffer[:wanted]
        if not data:
            return b""
        self.size += len(data)
        if self.size > self._limit:
            raise BodyTooLarge(f"the body is longer than the {self._limit} bytes left")
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
