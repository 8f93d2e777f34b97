"""Real clients for the realtime tests: a ``websockets`` client and an SSE reader over httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

Frame = dict[str, Any]


def ws_url(base_url: str, query: str = "") -> str:
    return base_url.replace("http://", "ws://", 1) + "/api/v1/ws" + query


def open_socket(
    base_url: str,
    token: str | None = None,
    *,
    origin: str | None = None,
    in_query: bool = False,
    **kwargs: Any,
) -> ClientConnection:
    headers = {}
    query = ""
    if token is not None:
        if in_query:
            query = f"?token={token}"
        else:
            headers["Authorization"] = f"Bearer {token}"
    return connect(
        ws_url(base_url, query),
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
        close_timeout=5,
        **kwargs,
    )


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


def receive(ws: ClientConnection, timeout: float = 5) -> Frame:
    frame: Frame = json.loads(ws.recv(timeout=timeout))
    return frame


def receive_until(
    ws: ClientConnection, match: Callable[[Frame], bool], timeout: float = 5
) -> Frame:
    """The first frame ``match`` accepts (heartbeats and others skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = receive(ws, max(0.01, deadline - time.monotonic()))
        if match(frame):
            return frame


def subscribe(ws: ClientConnection, topic: str) -> None:
    ws.send(json.dumps({"op": "subscribe", "topic": topic}))
    receive_until(ws, lambda f: f["event"] == "subscribed" and f["topic"] == topic)


def close_code(ws: ClientConnection, timeout: float = 10) -> int:
    """Read until the server closes; the close code it sent (1006: none)."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006


class EventStream:
    """Server-Sent Events read off a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines: Iterator[str] = response.iter_lines()

    def next(self) -> dict[str, str]:
        """The next event (``event``, ``id``, ``data``); comments (pings) skipped."""
        fields: dict[str, str] = {}
        for line in self._lines:
            if line == "":
                if fields:
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        raise EOFError("the event stream ended")

    def next_frame(self) -> tuple[dict[str, str], Frame]:
        event = self.next()
        return event, json.loads(event["data"])
