"""The bare baseline of benchmarks/realtime_fanout.py: a raw ``websockets`` server.

Speaks just enough of socialflow's WebSocket protocol for the same clients:
``{"op": "subscribe", "topic": ...}`` answers ``subscribed`` and adds the
connection to the topic; ``{"op": "publish", "topic": ...}`` (sent by the
benchmark's trigger on its own connection, the "small control channel")
builds one ``counters`` frame like socialflow's, hands it to
``websockets.broadcast()`` for every follower of the topic, then answers
``{"ok": true}``. No authentication, no database, no queues: what fan-out
costs with nothing around it. Library defaults otherwise (permessage-deflate
offered and accepted, pings every 20 s), as uvicorn's are for socialflow.

    python benchmarks/_realtime_baseline.py --port 8950
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict

from websockets.asyncio.server import ServerConnection, broadcast, serve

FOLLOWERS: defaultdict[str, set[ServerConnection]] = defaultdict(set)
LIKES: defaultdict[str, int] = defaultdict(int)


def counters_frame(topic: str) -> str:
    """A frame the size and shape of socialflow's ``counters`` frame."""
    LIKES[topic] = 1 - LIKES[topic]  # like, unlike, like... as the benchmark does
    post_id = int(topic.split(":", 1)[1])
    data = {"post_id": post_id, "like_count": LIKES[topic], "comment_count": 0, "share_count": 0}
    return json.dumps({"topic": topic, "event": "counters", "data": data, "id": None})


async def handler(connection: ServerConnection) -> None:
    followed: set[str] = set()
    try:
        async for message in connection:
            body = json.loads(message)
            topic = str(body.get("topic"))
            if body.get("op") == "subscribe":
                FOLLOWERS[topic].add(connection)
                followed.add(topic)
                subscribed: dict[str, object] = {
                    "topic": topic,
                    "event": "subscribed",
                    "data": {},
                    "id": None,
                }
                await connection.send(json.dumps(subscribed))
            elif body.get("op") == "publish":
                broadcast(FOLLOWERS[topic], counters_frame(topic))
                await connection.send('{"ok": true}')
    finally:
        for topic in followed:
            FOLLOWERS[topic].discard(connection)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
