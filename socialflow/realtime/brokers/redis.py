"""The Redis broker: any number of ``socialflow serve`` processes, one set of topics.

Frames go out with ``PUBLISH`` on ``<namespace>:realtime:topic:<topic>``; each
process subscribes to the channels of the topics its clients follow, and no
others, so traffic to a process is what its clients need. A user's stream is
also appended to the Redis stream ``<namespace>:realtime:log:<user id>``
(``XADD ... MAXLEN ~ replay_entries``, expiring ``replay_seconds`` after its
last frame, both under ``[plugin.realtime]``): the stream id is the
frame's id, the same in every process, so a client resumes on any of them.

One listener thread per process holds the subscribing connection (redis-py's
pub/sub connection is not thread-safe); it makes its channels match the
topics of the local hub on every wake, so subscribing and unsubscribing from
any event loop cannot race, and it subscribes again after a lost connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from socialflow.core.settings import Settings
from socialflow.realtime.brokers.base import Broker
from socialflow.realtime.frames import Frame
from socialflow.realtime.replay import Replay, id_key
from socialflow.realtime.settings import RealtimeSettings

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.05
SUBSCRIBE_WAIT_SECONDS = 5.0


class RedisBroker(Broker):
    def __init__(self, settings: Settings, config: RealtimeSettings) -> None:
        import redis

        super().__init__()
        assert settings.redis_url
        self.prefix = f"{settings.redis_namespace}:realtime"
        self.client = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
        self.entries = config.replay_entries
        self.ttl = config.replay_seconds
        self._lock = threading.Lock()
        self._waiters: dict[str, list[Callable[[], None]]] = {}
        self._subscribed: set[str] = set()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------- publishing

    def channel(self, topic: str) -> str:
        return f"{self.prefix}:topic:{topic}"

    def log_key(self, user_id: int) -> str:
        return f"{self.prefix}:log:{user_id}"

    def _log(self, user_id: int, frame: Frame) -> Frame:
        if self.entries == 0:
            return frame
        body = json.dumps({"topic": frame.topic, "event": frame.event, "data": frame.data})
        pipe = self.client.pipeline(transaction=False)
        pipe.xadd(self.log_key(user_id), {"f": body}, maxlen=self.entries, approximate=True)
        pipe.expire(self.log_key(user_id), self.ttl)
        frame_id, _ = pipe.execute()
        return frame.with_id(_text(frame_id))

    def _send(self, frame: Frame) -> None:
        assert frame.topic is not None
        self.client.publish(self.channel(frame.topic), frame.text)

    def replay(self, user_id: int, last_id: str) -> Replay:
        after = id_key(last_id)
        if len(after) == 1:
            after = (after[0], 0)
        start = f"({after[0]}-{after[1]}"
        key = self.log_key(user_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.xrange(key, min=start, max="+")
        pipe.xinfo_stream(key)
        entries, info = pipe.execute(raise_on_error=False)
        if isinstance(entries, Exception):
            raise entries
        frames = []
        for entry_id, fields in entries:
            body = json.loads(fields[b"f"])
            frames.append(Frame(body["topic"], body["event"], body["data"], _text(entry_id)))
        return Replay(frames, truncated=self._lost_after(after, info))

    def _lost_after(self, after: tuple[int, ...], info: Any) -> bool:
        """Whether frames newer than ``after`` were trimmed away or expired.

        Trimming drops the oldest entries, so frames were lost when the log
        trimmed any and the client's id is older than the oldest kept (a client
        whose id was exactly the last one trimmed hears of a loss that was not).
        """
        if isinstance(info, Exception):  # no such stream: it expired (or never was)
            return after[0] < (time.time() - self.ttl) * 1000
        first = info.get("first-entry")
        if not first:
            return False
        added = info.get("entries-added")
        trimmed = int(added) > int(info["length"]) if added is not None else True
        return trimmed and after < id_key(_text(first[0]))

    # ------------------------------------------------------------ subscribing

    async def _listen(self, topic: str) -> None:
        loop = asyncio.get_running_loop()
        confirmed: asyncio.Future[None] = loop.create_future()

        def confirm() -> None:
            def resolve() -> None:
                if not confirmed.done():
                    confirmed.set_result(None)

            loop.call_soon_threadsafe(resolve)

        with self._lock:
            self._waiters.setdefault(self.channel(topic), []).append(confirm)
        self._ensure_thread()
        self._wake.set()
        try:
            await asyncio.wait_for(confirmed, SUBSCRIBE_WAIT_SECONDS)
        except TimeoutError:
            logger.warning("Redis did not confirm the subscription to %s in time", topic)

    def _unlisten(self, topic: str) -> None:
        self._wake.set()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="socialflow-realtime-redis", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        pubsub: Any = None
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self.client.pubsub()
                    # Always subscribed to something, so get_message waits instead of spinning.
                    pubsub.subscribe(f"{self.prefix}:control")
                    self._subscribed = set()
                self._reconcile(pubsub)
                message = pubsub.get_message(timeout=POLL_SECONDS)
                while message is not None:
                    self._handle(message)
                    message = pubsub.get_message(timeout=0)
            except Exception:
                logger.exception("realtime Redis listener lost its connection; reconnecting")
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # already broken
                        pubsub.close()
                pubsub = None
                self._stop.wait(1.0)
        if pubsub is not None:
            pubsub.close()

    def _reconcile(self, pubsub: Any) -> None:
        """Make this process's channels match the topics its hub serves."""
        if not self._wake.is_set() and self._subscribed:
            return
        self._wake.clear()
        wanted = {self.channel(t) for t in self.hub.topics()}
        add, drop = wanted - self._subscribed, self._subscribed - wanted
        if add:
            pubsub.subscribe(*add)
        if drop:
            pubsub.unsubscribe(*drop)
        self._subscribed = wanted
        with self._lock:
            # Waiters for channels subscribed before (or dropped again already) go now.
            for channel in list(self._waiters):
                if channel not in add:
                    for confirm in self._waiters.pop(channel):
                        confirm()

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = _text(message["channel"])
        if kind == "subscribe":
            with self._lock:
                waiters = self._waiters.pop(channel, [])
            for confirm in waiters:
                confirm()
        elif kind == "message" and channel.startswith(self.prefix + ":topic:"):
            try:
                frame = Frame.from_text(_text(message["data"]))
            except (ValueError, KeyError, TypeError):
                logger.warning("ignored a malformed realtime frame on %s", channel)
                return
            self.hub.deliver(frame)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self.client.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
