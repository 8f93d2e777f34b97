"""One client process of benchmarks/realtime_fanout.py: many WebSocket clients on one loop.

Opens ``--count`` connections to ``--url`` (``--ramp`` handshakes at a
time), each with one of the ``--tokens`` as a bearer header, sends
``{"op": "subscribe", "topic": <--topic>}`` and waits for ``subscribed``,
then notes the wall-clock time (``time.time()``, shared by the processes of
one machine) each ``counters`` frame arrives. Prints ``ready <connected>
<failed>`` once all are open, then obeys one command per stdin line,
answering one stdout line each:

``count``  total ``counters`` frames received since the last reset;
``reset``  forget them (answers ``ok``);
``dump``   JSON: ``{"times": [[t, ...] per connection], "closed": [close codes]}``;
``quit``   close every connection and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class Clients:
    def __init__(self, url: str, tokens: list[str], topic: str, deflate: bool) -> None:
        self.url, self.tokens, self.topic = url, tokens, topic
        self.compression = "deflate" if deflate else None
        self.connections: list[ClientConnection] = []
        self.times: list[list[float]] = []
        self.closed: list[int | None] = []
        self.readers: list[asyncio.Task[None]] = []
        self.failed = 0

    async def open_one(self, index: int, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                token = self.tokens[index % len(self.tokens)]
                ws = await connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=120,
                    compression=self.compression,
                )
                await ws.send(json.dumps({"op": "subscribe", "topic": self.topic}))
                while '"subscribed"' not in str(await asyncio.wait_for(ws.recv(), 120)):
                    pass
            except (OSError, TimeoutError, ConnectionClosed) as exc:
                self.failed += 1
                print(f"connect failed: {exc!r}", file=sys.stderr, flush=True)
                return
        arrivals: list[float] = []
        self.connections.append(ws)
        self.times.append(arrivals)
        self.readers.append(asyncio.create_task(self.read(ws, arrivals)))

    async def read(self, ws: ClientConnection, arrivals: list[float]) -> None:
        try:
            async for message in ws:
                if '"counters"' in message:
                    arrivals.append(time.time())
        except ConnectionClosed:
            pass
        self.closed.append(ws.close_code)

    async def command(self, line: str) -> str | None:
        if line == "count":
            return str(sum(len(t) for t in self.times))
        if line == "reset":
            for arrivals in self.times:
                arrivals.clear()
            return "ok"
        if line == "dump":
            return json.dumps({"times": self.times, "closed": self.closed})
        if line == "quit":
            gate = asyncio.Semaphore(100)

            async def close(ws: ClientConnection) -> None:
                async with gate:
                    await ws.close()

            await asyncio.gather(*(close(ws) for ws in self.connections), return_exceptions=True)
            return None
        return f"unknown command {line!r}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--tokens", required=True, help="comma-separated access tokens")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--ramp", type=int, default=20, help="handshakes at a time")
    parser.add_argument("--no-deflate", dest="deflate", action="store_false")
    args = parser.parse_args()
    clients = Clients(args.url, args.tokens.split(","), args.topic, args.deflate)
    gate = asyncio.Semaphore(args.ramp)
    await asyncio.gather(*(clients.open_one(i, gate) for i in range(args.count)))
    print(f"ready {len(clients.connections)} {clients.failed}", flush=True)
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        answer = await clients.command(line) if line else None
        if answer is None:
            return
        print(answer, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
