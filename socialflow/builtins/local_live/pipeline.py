"""The two ffmpeg processes of one broadcast, started, watched and stopped together.

The *listener* binds a loopback RTMP port before the publisher's handshake
and copies what it receives (NUT over a pipe) to the *ladder*, started only
once the publisher's key is accepted, with the segment length of the
channel's latency mode. The listener's stdout carries the packet report and
the ladder's ``-progress`` a pipe of its own; both feed a
:class:`~.health.HealthMeter`.

The NUT goes through this process, buffered (up to :data:`BACKLOG_BYTES`):
the listener reads the publisher at the publisher's pace even when the
ladder encodes slower than real time (a loaded host), so the broadcast
ends when the publisher stops (:attr:`Pipeline.input_ended_at`) and every
second it sent is in the recording, however long the ladder takes to
catch up. A pipe straight from one ffmpeg to the other held the listener
back to the ladder's pace: the broadcast's end came seconds after the
publisher's, and a stopped broadcast lost what was still queued before
the listener.

Stopping gently means interrupting the listener: it closes the NUT stream,
the ladder reads the backlog and its end, finishes the playlists
(``#EXT-X-ENDLIST``) and exits; it is killed only once it stops making
progress for the grace period. Both children die with this process
(``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from socialflow.builtins.local_live.health import HealthMeter
from socialflow.builtins.local_live.ladder import listener_command
from socialflow.core.processes import die_with_parent

# The listener's output held here while the ladder is behind (about 9 minutes of a
# 1 Mbit/s publisher); past it the listener, then the publisher, wait.
BACKLOG_BYTES = 64 * 1024 * 1024
CHUNK = 65536


class Pipeline:
    """Listener + ladder of one broadcast, and the tasks reading their reports."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.meter = HealthMeter()
        self.listener: asyncio.subprocess.Process | None = None
        self.ladder: asyncio.subprocess.Process | None = None
        self._media: asyncio.StreamReader | None = None
        self._media_transport: asyncio.ReadTransport | None = None
        self._readers: list[asyncio.Future[None]] = []
        self._progress: BinaryIO | None = None
        self._relayed = 0  # NUT bytes handed to the ladder so far
        self.input_ended_at: datetime | None = None  # the listener's input over (wall clock)

    @property
    def processes(self) -> list[asyncio.subprocess.Process]:
        return [p for p in (self.listener, self.ladder) if p is not None]

    @property
    def running(self) -> bool:
        main = self.ladder or self.listener
        return main is not None and main.returncode is None

    async def start_listener(self, ffmpeg: str, listen_url: str) -> asyncio.subprocess.Process:
        media_read, media_write = os.pipe()
        try:
            with (self.folder / "listener.log").open("wb") as log:
                self.listener = await asyncio.create_subprocess_exec(
                    *listener_command(ffmpeg, listen_url=listen_url, media_fd=media_write),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=log,
                    preexec_fn=die_with_parent(),
                    start_new_session=True,
                    pass_fds=(media_write,),
                )
        except BaseException:
            os.close(media_read)
            raise
        finally:
            os.close(media_write)
        loop = asyncio.get_running_loop()
        # A StreamReader stops reading its pipe past twice its limit.
        media = self._media = asyncio.StreamReader(limit=BACKLOG_BYTES // 2, loop=loop)
        self._media_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(media), os.fdopen(media_read, "rb", 0)
        )
        self._readers.append(asyncio.ensure_future(_read_packets(self.listener, self.meter)))
        self._readers.append(asyncio.ensure_future(self._note_input_end(self.listener)))
        return self.listener

    async def _note_input_end(self, listener: asyncio.subprocess.Process) -> None:
        await listener.wait()
        self.input_ended_at = datetime.now(UTC)

    async def start_ladder(self, command_for: Callable[[int], list[str]]) -> None:
        """Start the ladder on the listener's output; ``command_for(progress_fd)`` builds it."""
        assert self._media is not None
        progress_read, progress_write = os.pipe()
        try:
            with (self.folder / "ffmpeg.log").open("wb") as log:
                self.ladder = await asyncio.create_subprocess_exec(
                    *command_for(progress_write),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=log,
                    preexec_fn=die_with_parent(),
                    start_new_session=True,
                    pass_fds=(progress_write,),
                )
        except BaseException:
            os.close(progress_read)
            raise
        finally:
            os.close(progress_write)
        self._progress = os.fdopen(progress_read, "rb", buffering=0)
        self._readers.append(asyncio.ensure_future(_read_progress(self._progress, self.meter)))
        self._readers.append(asyncio.ensure_future(self._relay_media(self.ladder)))

    async def _relay_media(self, ladder: asyncio.subprocess.Process) -> None:
        """Listener's NUT -> ladder's stdin, the backlog in ``self._media``; then its end."""
        assert self._media is not None
        assert ladder.stdin is not None
        try:
            while data := await self._media.read(CHUNK):
                ladder.stdin.write(data)
                await ladder.stdin.drain()
                self._relayed += len(data)
        except (ConnectionError, OSError):
            return  # the ladder died: the broadcast ends with it
        with contextlib.suppress(ConnectionError, OSError):
            ladder.stdin.close()
            await ladder.stdin.wait_closed()

    async def wait(self) -> None:
        """Until the broadcast's output is finished (the ladder, else the listener, exited)."""
        main = self.ladder or self.listener
        if main is not None:
            await main.wait()

    async def stop(self, grace: float) -> None:
        """Interrupt the listener; the ladder encodes the backlog and ends its playlists.

        The ladder is killed once ``grace`` seconds pass without it taking
        any of the backlog (or, the backlog gone, without it exiting).
        """
        if self.listener is not None and self.listener.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.listener.send_signal(signal.SIGINT)
        while True:
            relayed = self._relayed
            try:
                await asyncio.wait_for(self.wait(), grace)
                break
            except TimeoutError:
                if self._relayed == relayed:
                    break
        self.kill()

    def kill(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

    async def close(self) -> None:
        """Kill what still runs, reap it, stop the readers, close the pipes."""
        self.kill()
        for process in self.processes:
            await process.wait()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        if self._media_transport is not None:
            self._media_transport.close()
            self._media_transport = None
        if self._progress is not None:
            self._progress.close()


async def _read_packets(process: asyncio.subprocess.Process, meter: HealthMeter) -> None:
    assert process.stdout is not None
    while line := await process.stdout.readline():
        meter.feed_packet_line(line.decode("ascii", "replace").strip())


async def _read_progress(pipe: BinaryIO, meter: HealthMeter) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        while line := await reader.readline():
            key, _, value = line.decode("ascii", "replace").strip().partition("=")
            if key:
                meter.feed_progress(key, value)
    finally:
        transport.close()
