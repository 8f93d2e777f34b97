"""Bridge an ASGI request body (async) to a blocking file object, with read-ahead.

Storage backends take ``bytes | BinaryIO`` and block (boto3, files), so they
run in a worker thread. :class:`BodyPipe` runs a *pump* on the event loop
that keeps receiving the body into a small bounded queue of ~1 MiB batches
while the worker thread writes the previous ones: network and storage
overlap, and memory per upload is bounded by ``depth`` batches however large
the body. The thread side is a plain file object that counts and hashes
what passes through and stops at a size limit.
"""

from __future__ import annotations

import hashlib
import io
import queue
from collections.abc import AsyncIterator

import anyio
import anyio.to_thread

BATCH = 1024 * 1024
_EOF = object()


class BodyTooLarge(Exception):  # noqa: N818 - reads as the condition
    """More bytes arrived than the upload has room for."""


class BodyPipe(io.RawIOBase):
    """A readable binary file fed by :meth:`pump` (run it on the event loop)."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        limit: int,
        hasher: hashlib._Hash | None = None,
        depth: int = 4,
    ) -> None:
        self._chunks = chunks
        self._limit = limit
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._pending = b""
        self._offset = 0
        self._done = False
        self._closed_by_reader = False
        self.hasher = hasher
        self.size = 0
        self.disconnected = False
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    # ----------------------------------------------------------- loop side

    async def pump(self) -> None:
        """Receive the body into the queue until it ends (or the reader stops)."""
        from starlette.requests import ClientDisconnect

        batch: list[bytes] = []
        batched = 0
        try:
            async for chunk in self._chunks:
                batch.append(chunk)
                batched += len(chunk)
                if batched >= BATCH:
                    await self._put(b"".join(batch))
                    batch, batched = [], 0
        except ClientDisconnect:
            # The client went away: what arrived so far is kept (tus resumes from it).
            self.disconnected = True
        except Exception as exc:
            # Anything else: end the stream; the caller sees ``error`` and keeps nothing.
            self.error = exc
        if batch:
            await self._put(b"".join(batch))
        await self._put(_EOF)

    async def _put(self, item: object) -> None:
        if self._closed_by_reader:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            await anyio.to_thread.run_sync(self._put_blocking, item)

    def _put_blocking(self, item: object) -> None:
        while not self._closed_by_reader:
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    # --------------------------------------------------------- thread side

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes, or fewer only at the end of the body (``-1``: all).

        Full reads, like a buffered file: boto3 and google-resumable-media take
        a short read of a stream of unknown length for its end.
        """
        if size is None or size < 0:
            return b"".join(iter(lambda: self._read_some(BATCH), b""))
        pieces: list[bytes] = []
        wanted = size
        while wanted > 0:
            piece = self._read_some(wanted)
            if not piece:
                break
            pieces.append(piece)
            wanted -= len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _read_some(self, size: int) -> bytes:
        """Up to ``size`` bytes from the current batch (waiting for one if needed)."""
        if self._offset >= len(self._pending):
            if self._done:
                return b""
            item = self._queue.get()
            if item is _EOF:
                self._done = True
                return b""
            assert isinstance(item, bytes)
            self._pending, self._offset = item, 0
        available = len(self._pending) - self._offset
        wanted = min(size, available)
        if self._offset == 0 and wanted == available:
            data = self._pending  # the whole batch: no copy
        else:
            data = self._pending[self._offset : self._offset + wanted]
        self._offset += wanted
        self.size += len(data)
        if self.size > self._limit:
            self.stop()
            raise BodyTooLarge(f"the body is longer than the {self._limit} bytes left")
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def stop(self) -> None:
        """The reader gave up: let a blocked pump go."""
        self._closed_by_reader = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
