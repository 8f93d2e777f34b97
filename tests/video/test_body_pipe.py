"""The tus request body as a file object: full reads, as storage SDKs expect.

boto3 and google-resumable-media read a stream of unknown length in parts
and take a short read for its end; the body arrives in small network chunks.
So ``read(n)`` must return ``n`` bytes unless the body ended.
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator

import anyio
import anyio.lowlevel
import anyio.to_thread

from socialflow.plugins.streams import ForwardReader, forward_only
from socialflow.testing.conformance.storage import TrickleStream
from socialflow.video.media.body import BodyPipe

MIB = 1024 * 1024


async def _network(data: bytes, step: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), step):
        yield data[start : start + step]
        await anyio.lowlevel.checkpoint()


def _read_through_pipe(data: bytes, sizes: list[int]) -> list[bytes]:
    pipe = BodyPipe(_network(data, 65_536), limit=len(data))
    pieces: list[bytes] = []

    def reader() -> None:
        for size in sizes:
            pieces.append(pipe.read(size))

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(pipe.pump)
            await anyio.to_thread.run_sync(reader)

    anyio.run(main)
    return pieces


def test_reads_are_full_until_the_end() -> None:
    data = os.urandom(3 * MIB + 5)
    pieces = _read_through_pipe(data, [2 * MIB, 5, MIB, 10, 10])
    assert [len(p) for p in pieces] == [2 * MIB, 5, MIB, 0, 0]
    assert b"".join(pieces) == data


def test_read_without_a_size_reads_to_the_end() -> None:
    data = os.urandom(2 * MIB + 1)
    first, rest = _read_through_pipe(data, [7, -1])
    assert first + rest == data


def test_forward_only_makes_full_reads_and_tells() -> None:
    data = os.urandom(300_000)
    stream = forward_only(TrickleStream(data, step=1000))
    assert isinstance(stream, ForwardReader)
    assert stream.read(100_000) == data[:100_000]
    assert stream.tell() == 100_000
    assert stream.read() == data[100_000:]
    assert stream.read(10) == b""


def test_forward_only_keeps_seekable_files() -> None:
    buffer = io.BytesIO(b"abc")
    assert forward_only(buffer) is buffer
