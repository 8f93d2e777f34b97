"""The ingest relay and the supervised ffmpeg listeners of the ``local`` provider.

Publishers connect to one RTMP port (``rtmp_port``). For each connection the
relay starts an ffmpeg listener on a random loopback port (and, once the key
is accepted, the ladder it feeds: :mod:`.pipeline`), writing into a fresh
broadcast folder, and relays the bytes, reading the client's half until
``publish`` (:mod:`.rtmp`). The stream name must be a channel's current key:
a wrong key closes the connection and kills the listener before the publish
command reaches it, so nothing is written, and the empty folder is removed.
Once a key is accepted the broadcast is recorded as live in the channel's
file and bytes are copied blindly both ways.

Supervision: a publisher leaving ends the listener's input, the ladder finishes its
playlists (``#EXT-X-ENDLIST``) and exits; a listener that dies closes the
publisher's connection (encoders reconnect, which starts a new broadcast).
Either way, once the ladder has exited (the recording complete), the
broadcast is marked ended as of the listener's end and listeners (the live
app) are told. Every second the broadcast's measured health is written to
``health.json`` in its folder (:mod:`.health`); a broadcast breaking the
operator's limits is stopped, with the reason on its record. A watchdog
drops a publisher whose channel was stopped or whose key was rotated, from
whichever process did it, by rereading the channel file. On start,
broadcasts a crashed process left ``live`` are marked ended and folders of
refused connections are removed.

All of it runs on one asyncio loop in a thread of the process that called
:meth:`Ingest.start` (the API process, docs/live.md). ffmpeg children get
``PR_SET_PDEATHSIG`` so they never outlive it.

Long because one connection's life (key check, listener, ladder, relay,
backlog, health, end) is one state machine: each step decides what the
next may assume (whether a folder holds a broadcast, whether it is live, who
marks it ended), and split across modules the order would no longer show.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from socialflow.builtins.local_live.health import HealthMeter, Limits, breach
from socialflow.builtins.local_live.ladder import LiveRung, ladder_command, master_playlist
from socialflow.builtins.local_live.pipeline import Pipeline
from socialflow.builtins.local_live.registry import (
    BroadcastRecord,
    Registry,
    key_hash,
    now_iso,
)
from socialflow.builtins.local_live.rtmp import PublishSniffer, RtmpProtocolError, stream_key_of

logger = logging.getLogger("socialflow.live.ingest")
WATCH_SECONDS = 0.5
HEALTH_SECONDS = 1.0
HEALTH_FILE = "health.json"
LISTENER_START_SECONDS = 10.0
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class IngestConfig:
    host: str
    port: int
    ffmpeg: str
    rungs: list[LiveRung]
    segment_seconds: float
    low_latency_segment_seconds: float
    preset: str
    max_publishers: int
    publish_timeout: float
    limits: Limits = field(default_factory=Limits)


class Refused(Exception):  # noqa: N818 - reads as what happened
    """The connection may not publish (wrong key, channel busy, too many publishers)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class Ingest:
    """The relay server and its listeners, on an event loop in a thread of their own."""

    def __init__(
        self, registry: Registry, config: IngestConfig, notify: Callable[[str], None]
    ) -> None:
        self.registry = registry
        self.config = config
        self._notify = notify
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._pipelines: set[Pipeline] = set()
        self._notifier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-notify")
        self.port = 0

    # ----------------------------------------------------------- lifecycle

    def start(self) -> int:
        """Bind the RTMP port and serve in a background thread; returns the port."""
        self.registry.ensure()
        self._recover()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._accept, self.config.host, self.config.port)
                )
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            self.port = int(self._server.sockets[0].getsockname()[1])
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="live-ingest", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        info = {"host": self.config.host, "port": self.port, "pid": os.getpid()}
        (self.registry.root / "ingest.json").write_text(json.dumps(info))
        logger.info("live ingest listening on rtmp://%s:%s", self.config.host, self.port)
        return self.port

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=15)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        self._notifier.shutdown(wait=True)
        self._loop = self._thread = None

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipeline in list(self._pipelines):
            pipeline.kill()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    def _recover(self) -> None:
        """What a crashed process left: live broadcasts end, refused folders go."""
        known: set[str] = set()
        for ref in self.registry.all_refs():
            changed = False
            with self.registry.change(ref) as channel:
                for broadcast in channel.broadcasts:
                    known.add(broadcast.ref)
                    if broadcast.status == "live":
                        broadcast.status, broadcast.ended_at = "ended", now_iso()
                        changed = True
                if channel.status == "live":
                    channel.status = "idle"
            if changed:
                self._tell(ref)
        for folder in self.registry.broadcasts.iterdir():
            if folder.is_dir() and folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)

    def _tell(self, ref: str) -> None:
        def call() -> None:
            try:
                self._notify(ref)
            except Exception:
                logger.exception("a live channel listener failed")

        self._notifier.submit(call)

    # ---------------------------------------------------------- connections

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._relay(reader, writer)
        except (Refused, RtmpProtocolError, TimeoutError) as exc:
            logger.info("live ingest refused a publisher: %s", exc)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live ingest connection failed")
        finally:
            writer.close()
            self._connections.discard(task)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._pipelines) >= self.config.max_publishers:
            raise Refused("too many publishers")
        broadcast_ref = secrets.token_hex(16)
        folder = self.registry.broadcasts / broadcast_ref
        for rung in self.config.rungs:
            (folder / rung.name).mkdir(parents=True, exist_ok=True)
        port = free_port()
        pipeline = Pipeline(folder)
        self._pipelines.add(pipeline)
        channel_ref: str | None = None
        try:
            listener = await pipeline.start_listener(
                self.config.ffmpeg, f"rtmp://127.0.0.1:{port}/live/{broadcast_ref}"
            )
            upstream_reader, upstream_writer = await _connect(port, listener)
            pump_down = asyncio.ensure_future(_pump(upstream_reader, writer))
            try:
                chosen, used_hash, held = await self._until_publish(reader, upstream_writer)
                # Recorded live before the publish command reaches ffmpeg.
                mode = self._start_broadcast(chosen, broadcast_ref, folder)
                channel_ref = chosen
                self._tell(channel_ref)
                await pipeline.start_ladder(self._ladder_for(folder, mode))
                upstream_writer.write(held)
                pump_up = asyncio.ensure_future(_pump(reader, upstream_writer))
                watch = asyncio.ensure_future(self._watch(channel_ref, used_hash, pipeline))
                judge = asyncio.ensure_future(self._judge(channel_ref, broadcast_ref, pipeline))
                await pipeline.wait()
                for task in (pump_up, watch, judge):
                    task.cancel()
            finally:
                pump_down.cancel()
                upstream_writer.close()
        finally:
            await pipeline.close()
            self._pipelines.discard(pipeline)
            if channel_ref is None:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                _write_health(folder, pipeline.meter, final=True)
                self._end_broadcast(channel_ref, broadcast_ref, pipeline.input_ended_at)

    def _ladder_for(self, folder: Path, mode: str) -> Callable[[int], list[str]]:
        seconds = self.config.segment_seconds
        if mode == "low":
            seconds = self.config.low_latency_segment_seconds

        def command(progress_fd: int) -> list[str]:
            return ladder_command(
                self.config.ffmpeg,
                out_dir=folder,
                rungs=self.config.rungs,
                segment_seconds=seconds,
                preset=self.config.preset,
                progress_fd=progress_fd,
            )

        return command

    async def _until_publish(
        self, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter
    ) -> tuple[str, str, bytes]:
        """Relay the client's bytes message by message until an authorised ``publish``.

        Returns the channel, the hash of the key used and the bytes not sent yet
        (the publish command itself, and whatever followed it).
        """
        sniffer = PublishSniffer()
        deadline = time.monotonic() + self.config.publish_timeout
        chosen: str | None = None
        used_hash = ""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no publish in time")
            data = await asyncio.wait_for(reader.read(65536), left)
            if not data:
                raise ConnectionError("publisher left before publishing")
            batch = sniffer.feed(data)
            for index, released in enumerate(batch):
                if released.stream_name is not None:
                    key = stream_key_of(released.stream_name)
                    channel = self.registry.channel_for_key(key)
                    if channel is None or (chosen is not None and channel.ref != chosen):
                        raise Refused("unknown or outdated stream key")
                    chosen, used_hash = channel.ref, key_hash(key)
                if released.command == "publish":
                    assert chosen is not None
                    after = b"".join(r.data for r in batch[index + 1 :])
                    return chosen, used_hash, released.data + after + sniffer.remainder()
                upstream.write(released.data)
            await upstream.drain()

    def _start_broadcast(self, channel_ref: str, broadcast_ref: str, folder: Path) -> str:
        """Record the broadcast live; returns the channel's latency mode."""
        with self.registry.change(channel_ref) as channel:
            if channel.status != "idle":
                raise Refused(f"channel is {channel.status}")
            channel.status = "live"
            channel.broadcasts.append(BroadcastRecord(broadcast_ref, "live", now_iso()))
            mode = channel.latency_mode
        (folder / "master.m3u8").write_text(master_playlist(self.config.rungs, ""))
        return mode

    def _end_broadcast(
        self, channel_ref: str, broadcast_ref: str, input_ended_at: datetime | None
    ) -> None:
        """Mark the broadcast ended once its recording is complete (the ladder exited).

        Its end is when the publisher's stream stopped coming in, not when the
        ladder caught up: on a loaded host the ladder may finish seconds later,
        and the broadcast lasted as long as the publisher sent.
        """
        ended_at = input_ended_at.isoformat() if input_ended_at is not None else now_iso()
        with self.registry.change(channel_ref) as channel:
            for broadcast in channel.broadcasts:
                if broadcast.ref == broadcast_ref and broadcast.status == "live":
                    broadcast.status, broadcast.ended_at = "ended", ended_at
            if channel.status == "live":
                channel.status = "idle"
        self._tell(channel_ref)

    async def _watch(self, channel_ref: str, used_hash: str, pipeline: Pipeline) -> None:
        """Drop the publisher once its channel is stopped or its key rotated (any process)."""
        while pipeline.running:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                channel = self.registry.read(channel_ref)
            except KeyError:
                pipeline.kill()
                return
            if channel.status == "ended" or channel.key_sha256 != used_hash or channel.drop:
                if channel.drop:
                    with self.registry.change(channel_ref) as changing:
                        changing.drop = False
                # Stop ffmpeg gently first, so it finishes its playlists (ENDLIST).
                await pipeline.stop(STOP_GRACE_SECONDS)
                return

    async def _judge(self, channel_ref: str, broadcast_ref: str, pipeline: Pipeline) -> None:
        """Publish the health every second; stop a broadcast that breaks the operator's limits.

        The reason goes on the broadcast's record (the creator reads it on
        their stream); ffmpeg is stopped gently so the playlists end cleanly.
        """
        while pipeline.running:
            await asyncio.sleep(HEALTH_SECONDS)
            snapshot = _write_health(pipeline.folder, pipeline.meter)
            reason = breach(snapshot, self.config.limits)
            if reason is None:
                continue
            logger.info("live ingest stopped broadcast %s: %s", broadcast_ref, reason)
            with self.registry.change(channel_ref) as channel:
                for broadcast in channel.broadcasts:
                    if broadcast.ref == broadcast_ref:
                        broadcast.stopped_reason = reason
            await pipeline.stop(STOP_GRACE_SECONDS)
            return


def _write_health(folder: Path, meter: HealthMeter, *, final: bool = False) -> dict[str, object]:
    """``health.json`` in the broadcast's folder (atomic): what every process reads."""
    snapshot = {**meter.snapshot(), "measured_at": now_iso(), "final": final}
    temp = folder / f".{HEALTH_FILE}.tmp"
    with contextlib.suppress(OSError):
        temp.write_text(json.dumps(snapshot))
        os.replace(temp, folder / HEALTH_FILE)
    return snapshot


async def _connect(
    port: int, process: asyncio.subprocess.Process
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to the listener as soon as ffmpeg has bound its port."""
    deadline = time.monotonic() + LISTENER_START_SECONDS
    while True:
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.returncode is not None or time.monotonic() > deadline:
                raise Refused("the ffmpeg listener did not start") from None
            await asyncio.sleep(0.05)


async def _pump(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            target.write(data)
            await target.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if target.can_write_eof():
                target.write_eof()
