"""The caller's own stream as Server-Sent Events, resumable with ``Last-Event-ID``.

The stream subscribes first and reads the replay log second, so no frame
falls between the two; frames both replayed and then delivered live are
sent once (ids only grow). A client that reads too slowly fills its bounded
queue: the stream ends and the client, reconnecting with the id it last
saw, gets what it missed from the log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from socialflow.accounts.tokens import AccessClaims
from socialflow.core.platform import Platform
from socialflow.realtime.access import NotAuthenticated, check_holder, seconds_left
from socialflow.realtime.brokers import Broker
from socialflow.realtime.frames import Frame
from socialflow.realtime.hub import Sink
from socialflow.realtime.replay import Replay, id_key
from socialflow.realtime.settings import realtime_settings
from socialflow.realtime.topics import user_topic


def event_for(frame: Frame) -> ServerSentEvent:
    """One SSE event: ``event`` and ``id`` from the frame, ``data`` the whole frame."""
    return ServerSentEvent(data=frame.text, event=frame.event, id=frame.id)


def notice(event: str, **data: object) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data), event=event)


async def open_stream(
    platform: Platform, broker: Broker, claims: AccessClaims, last_event_id: str | None
) -> AsyncIterator[ServerSentEvent]:
    """Subscribe now (before the response starts) and return the event iterator."""
    sink = Sink(realtime_settings(platform).send_queue_frames)
    topic = user_topic(claims.user_id)
    await broker.subscribe(topic, sink)
    try:
        replay = (
            await run_in_threadpool(broker.replay, claims.user_id, last_event_id)
            if last_event_id
            else Replay([], truncated=False)
        )
    except BaseException:
        await broker.unsubscribe(topic, sink)
        raise
    return _events(platform, broker, claims, sink, replay, last_event_id)


async def _events(
    platform: Platform,
    broker: Broker,
    claims: AccessClaims,
    sink: Sink,
    replay: Replay,
    last_event_id: str | None,
) -> AsyncIterator[ServerSentEvent]:
    topic = user_topic(claims.user_id)
    interval = realtime_settings(platform).heartbeat_seconds
    seen = id_key(last_event_id) if last_event_id else None
    try:
        if replay.truncated:
            # Frames were lost between the client's id and the oldest one kept.
            yield notice("replay_truncated", last_event_id=last_event_id)
        for frame in replay.frames:
            yield event_for(frame)
            seen = id_key(frame.id) if frame.id else seen
        while True:
            left = seconds_left(claims)
            if left <= 0:
                yield notice("unauthorized", reason="the access token expired")
                return
            if sink.overflowed.is_set():
                return  # too slow: the client resumes from its last id
            try:
                frame = await asyncio.wait_for(sink.queue.get(), min(interval, left))
            except TimeoutError:
                try:
                    await run_in_threadpool(check_holder, platform, claims)
                except NotAuthenticated:
                    yield notice("unauthorized", reason="access ended: log in again")
                    return
                continue
            if frame.id and seen is not None and id_key(frame.id) <= seen:
                continue  # already replayed
            yield event_for(frame)
    finally:
        sink.closed = True
        await broker.unsubscribe(topic, sink)
