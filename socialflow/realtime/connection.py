"""One WebSocket connection: read the client's ops, write its frames, watch its access.

Four tasks run side by side and the first to end decides the close code:
the reader (ops, size and rate limits), the writer (drains the bounded send
queue), the heartbeat (a frame every ``heartbeat_seconds`` of ``[plugin.realtime]``,
and the caller's access checked again) and the expiry watch (4401 when the access
token expires, unless the client sent a fresh one with ``{"op": "auth"}``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from socialflow.accounts.tokens import AccessClaims
from socialflow.core.platform import Platform
from socialflow.realtime import closes
from socialflow.realtime.access import (
    NotAuthenticated,
    authenticate_token,
    check_holder,
    may_follow,
    seconds_left,
)
from socialflow.realtime.brokers import Broker
from socialflow.realtime.frames import control
from socialflow.realtime.hub import Sink
from socialflow.realtime.limits import TokenBucket
from socialflow.realtime.settings import realtime_settings
from socialflow.realtime.topic_kinds import topic_kinds
from socialflow.realtime.topics import RECHECK, BadTopicError, access_topic, parse_topic

logger = logging.getLogger(__name__)
CLOSE_TIMEOUT_SECONDS = 5.0


def _rechecked(name: str) -> bool:
    """Object topics are checked again; a user's own stream and access topic never are."""
    return not name.startswith(("user:", "access:"))


class Connection:
    def __init__(
        self, websocket: WebSocket, platform: Platform, broker: Broker, claims: AccessClaims
    ) -> None:
        config = realtime_settings(platform)
        self.websocket, self.platform, self.broker = websocket, platform, broker
        self.claims = claims
        self.user_id = claims.user_id
        self.config = config
        self.sink = Sink(config.send_queue_frames)
        self.sink.on_overflow = lambda: self.finish(
            closes.TRY_AGAIN_LATER, "too slow: the send queue is full"
        )
        self.bucket = TokenBucket(config.messages_per_second, config.message_burst)
        self.topics: set[str] = set()
        self.access = access_topic(claims.user_id)
        self.rechecks: set[asyncio.Task[None]] = set()
        self.renewed = asyncio.Event()
        self.done = asyncio.Event()
        self.code, self.reason = closes.NORMAL, ""
        self.client_gone = False

    def finish(self, code: int, reason: str = "") -> None:
        """End the connection with ``code``; the first reason given wins."""
        if not self.done.is_set():
            self.code, self.reason = code, reason
            self.done.set()

    async def run(self) -> None:
        await self.broker.subscribe(self.access, self.sink)
        tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._write()),
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._watch_expiry()),
        ]
        finished = asyncio.create_task(self.done.wait())
        try:
            await asyncio.wait([*tasks, finished], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in [*tasks, finished]:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            self.sink.closed = True
            for topic in [*self.topics, self.access]:
                await self.broker.unsubscribe(topic, self.sink)
                await self._presence(topic, joined=False)
            self.topics.clear()
            for recheck in self.rechecks:
                recheck.cancel()
        for result in results:
            if isinstance(result, Exception) and not isinstance(result, WebSocketDisconnect):
                logger.error("realtime connection failed", exc_info=result)
                self.finish(closes.INTERNAL_ERROR, "internal error")
        await self._close()

    async def _close(self) -> None:
        if self.client_gone:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self.websocket.close(self.code, self.reason[:120]), CLOSE_TIMEOUT_SECONDS
            )

    # ----------------------------------------------------------------- reader

    async def _read(self) -> None:
        limit = self.config.max_message_bytes
        while not self.done.is_set():
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                self.client_gone = True
                self.finish(int(message.get("code") or closes.NORMAL))
                return
            text = message.get("text")
            if text is None:
                self.finish(closes.UNSUPPORTED_DATA, "send JSON text frames")
                return
            if len(text) > limit or len(text.encode()) > limit:
                self.finish(closes.MESSAGE_TOO_BIG, f"frames are limited to {limit} bytes")
                return
            if not self.bucket.take():
                self.finish(closes.POLICY_VIOLATION, "too many frames: slow down")
                return
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self.finish(closes.INVALID_PAYLOAD, "frames are JSON objects")
                return
            await self._handle(body)

    async def _handle(self, body: dict[str, Any]) -> None:
        op = body.get("op")
        if op in ("subscribe", "unsubscribe"):
            try:
                topic = parse_topic(body.get("topic"), topic_kinds(self.platform).names())
            except BadTopicError as exc:
                self.finish(closes.BAD_REQUEST, str(exc))
                return
            if op == "subscribe":
                await self._subscribe(str(topic), topic)
            else:
                await self._unsubscribe(str(topic))
        elif op == "ping":
            self.sink.put_now(control("pong"))
        elif op == "auth":
            await self._renew(body.get("token"))
        else:
            self.finish(closes.BAD_REQUEST, "unknown op; use subscribe, unsubscribe, auth, ping")

    async def _subscribe(self, name: str, topic: Any) -> None:
        if name not in self.topics:
            if len(self.topics) >= self.config.max_subscriptions:
                self.finish(closes.POLICY_VIOLATION, "too many topics on one connection")
                return
            allowed = await run_in_threadpool(may_follow, self.platform, self.user_id, topic)
            if not allowed:
                self.finish(closes.FORBIDDEN, f"you may not follow {name}")
                return
            self.topics.add(name)
            await self.broker.subscribe(name, self.sink)
            self.sink.put_now(control("subscribed", name))
            # After "subscribed": the frames a join causes (a viewer count) follow it.
            await self._presence(name, joined=True)
            return
        self.sink.put_now(control("subscribed", name))

    async def _unsubscribe(self, name: str) -> None:
        if name in self.topics:
            self.topics.discard(name)
            await self.broker.unsubscribe(name, self.sink)
            await self._presence(name, joined=False)
        self.sink.put_now(control("unsubscribed", name))

    async def _presence(self, name: str, *, joined: bool) -> None:
        """Tell a registered topic kind that this connection joined or left one of its topics."""
        kind_name, _, object_id = name.partition(":")
        kind = topic_kinds(self.platform).get(kind_name)
        callback = None if kind is None else (kind.joined if joined else kind.left)
        if callback is None:
            return
        try:
            await run_in_threadpool(callback, self.user_id, int(object_id), f"{id(self):x}")
        except Exception:
            logger.exception("realtime presence of %s failed", name)

    async def _renew(self, token: object) -> None:
        """A fresh access token for the same user extends the connection's life."""
        try:
            claims = await run_in_threadpool(
                authenticate_token, self.platform, token if isinstance(token, str) else None
            )
        except NotAuthenticated:
            self.finish(closes.UNAUTHORIZED, "the new access token is not valid")
            return
        if claims.user_id != self.user_id:
            self.finish(closes.UNAUTHORIZED, "the new access token names another user")
            return
        self.claims = claims
        self.renewed.set()
        self.sink.put_now(control("authenticated", expires_in=int(seconds_left(claims))))

    # ----------------------------------------------------------------- writer

    async def _write(self) -> None:
        queue = self.sink.queue
        while True:
            frame = await queue.get()
            if frame.event == RECHECK:
                self._start_recheck(frame.topic)
                continue
            await self.websocket.send_text(frame.text)

    def _start_recheck(self, topic: str | None) -> None:
        """Re-check the object topic a ``recheck`` came on (a post, or a kind an app
        registered such as ``live:<id>``), or all of them (``access:``)."""
        if topic == self.access:
            names = sorted(self.topics)
        else:
            names = [topic] if topic in self.topics else []
        task = asyncio.create_task(self._recheck([n for n in names if _rechecked(n)]))
        self.rechecks.add(task)
        task.add_done_callback(self.rechecks.discard)

    async def _recheck(self, names: list[str]) -> None:
        """Drop the topics the caller may no longer follow, telling the client (``revoked``)."""
        for name in names:
            allowed = await run_in_threadpool(
                may_follow,
                self.platform,
                self.user_id,
                parse_topic(name, topic_kinds(self.platform).names()),
            )
            if not allowed and name in self.topics:
                self.topics.discard(name)
                await self.broker.unsubscribe(name, self.sink)
                self.sink.put_now(control("revoked", name))
                await self._presence(name, joined=False)  # a viewer count goes down

    # ---------------------------------------------------------- access checks

    async def _heartbeat(self) -> None:
        interval = self.config.heartbeat_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(check_holder, self.platform, self.claims)
            except NotAuthenticated:
                self.finish(closes.UNAUTHORIZED, "access ended: log in again")
                return
            self.sink.put_now(control("heartbeat"))

    async def _watch_expiry(self) -> None:
        while True:
            left = seconds_left(self.claims)
            if left <= 0:
                self.finish(closes.UNAUTHORIZED, "the access token expired")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.renewed.wait(), left)
            self.renewed.clear()
