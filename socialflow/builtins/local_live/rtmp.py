"""Reading the stream key out of a publisher's RTMP stream before letting it through.

ffmpeg's RTMP listener takes any stream name, so the ingest relay reads the
client-to-server half of the connection itself: it passes the handshake, then
parses the chunk stream (RTMP 1.0 spec, section 5.3) message by message and
releases each message's bytes only once the message is complete. Commands
that name a stream (``releaseStream``, ``FCPublish``, ``publish``) are
reported with that name *before* their last byte is released, so a refused
key never reaches the listener as a complete command: ffmpeg has nothing to
open, and no segment is written.

Only what a publisher sends before ``publish`` is parsed; after it the relay
copies bytes blindly, so the parser costs nothing while video flows.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

HANDSHAKE_BYTES = 1 + 1536 + 1536  # C0, C1, C2: passed through untouched
DEFAULT_CHUNK_SIZE = 128
MAX_HELD_BYTES = 256 * 1024  # before publish; a real publisher sends a few hundred bytes
NAMING_COMMANDS = frozenset({"releaseStream", "FCPublish", "publish"})
SET_CHUNK_SIZE = 1
AMF0_COMMAND = 20
AMF3_COMMAND = 17
_HEADER_SIZES = (11, 7, 3, 0)


class RtmpProtocolError(Exception):
    """The client sent something that is not a publisher's RTMP."""


@dataclass
class _ChunkState:
    timestamp_field: int = 0
    length: int = 0
    type_id: int = 0
    extended: bool = False
    payload: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class Released:
    """Bytes that may go to the server, and the stream name the message they end names."""

    data: bytes
    command: str | None = None
    stream_name: str | None = None


class PublishSniffer:
    """Feed it what the client sends; it answers what may be forwarded, and when."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._parsed = 0  # bytes of _buffer already parsed into chunks
        self._handshake_left = HANDSHAKE_BYTES
        self._chunk_size = DEFAULT_CHUNK_SIZE
        self._chunks: dict[int, _ChunkState] = {}

    def feed(self, data: bytes) -> list[Released]:
        released: list[Released] = []
        if self._handshake_left:
            passed = data[: self._handshake_left]
            self._handshake_left -= len(passed)
            released.append(Released(bytes(passed)))
            data = data[len(passed) :]
        self._buffer += data
        if len(self._buffer) > MAX_HELD_BYTES:
            raise RtmpProtocolError("too much data before publish")
        while True:
            message = self._next_message()
            if message is None:
                break
            type_id, payload = message
            command = name = None
            if type_id == SET_CHUNK_SIZE and len(payload) >= 4:
                size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
                if not 1 <= size <= 0xFFFFFF:
                    raise RtmpProtocolError("bad chunk size")
                self._chunk_size = size
            elif type_id in (AMF0_COMMAND, AMF3_COMMAND):
                body = payload[1:] if type_id == AMF3_COMMAND else payload
                command, name = read_command(bytes(body))
            released.append(Released(bytes(self._buffer[: self._parsed]), command, name))
            del self._buffer[: self._parsed]
            self._parsed = 0
        return released

    def remainder(self) -> bytes:
        """What is held (an incomplete message), for the switch to blind copying."""
        held = bytes(self._buffer)
        self._buffer.clear()
        self._parsed = 0
        return held

    def _next_message(self) -> tuple[int, bytearray] | None:
        """Parse chunks until one completes a message; None when more bytes are needed."""
        while True:
            chunk = self._next_chunk()
            if chunk is None:
                return None
            state = chunk
            if len(state.payload) == state.length:
                payload, state.payload = state.payload, bytearray()
                return state.type_id, payload

    def _next_chunk(self) -> _ChunkState | None:
        data = self._buffer
        pos = self._parsed
        if len(data) < pos + 1:
            return None
        fmt, csid = data[pos] >> 6, data[pos] & 0x3F
        pos += 1
        if csid == 0:
            if len(data) < pos + 1:
                return None
            csid, pos = 64 + data[pos], pos + 1
        elif csid == 1:
            if len(data) < pos + 2:
                return None
            csid, pos = 64 + data[pos] + data[pos + 1] * 256, pos + 2
        size = _HEADER_SIZES[fmt]
        if len(data) < pos + size:
            return None
        state = self._chunks.get(csid)
        if state is None:
            if fmt != 0:
                raise RtmpProtocolError("a chunk stream must start with a full header")
            state = _ChunkState()
        header = data[pos : pos + size]
        pos += size
        timestamp_field = int.from_bytes(header[0:3], "big") if size >= 3 else None
        if fmt in (0, 1) and state.payload:
            raise RtmpProtocolError("a new message header inside a message")
        if fmt in (0, 1):
            length = int.from_bytes(header[3:6], "big")
            type_id = header[6]
        else:
            length, type_id = state.length, state.type_id
        extended = timestamp_field == 0xFFFFFF if timestamp_field is not None else state.extended
        if extended:
            if len(data) < pos + 4:
                return None
            pos += 4
        remaining = length - len(state.payload)
        take = min(self._chunk_size, remaining)
        if len(data) < pos + take:
            return None
        # The whole chunk is here: commit the header state and its payload.
        if timestamp_field is not None:
            state.timestamp_field = timestamp_field
        state.length, state.type_id, state.extended = length, type_id, extended
        state.payload += data[pos : pos + take]
        self._chunks[csid] = state
        self._parsed = pos + take
        return state


def read_command(body: bytes) -> tuple[str | None, str | None]:
    """(command name, stream name) of an AMF0 command, the name only for naming commands."""
    try:
        command, pos = _read_string(body, 0)
        if command not in NAMING_COMMANDS:
            return command, None
        pos = _skip_value(body, pos)  # transaction id
        pos = _skip_value(body, pos)  # command object (null)
        name, _ = _read_string(body, pos)
    except (IndexError, ValueError, struct.error):
        return None, None
    return command, name


def _read_string(body: bytes, pos: int) -> tuple[str, int]:
    if body[pos] != 0x02:
        raise ValueError("not a string")
    length = struct.unpack(">H", body[pos + 1 : pos + 3])[0]
    end = pos + 3 + length
    if end > len(body):
        raise ValueError("short string")
    return body[pos + 3 : end].decode("utf-8", "replace"), end


def _skip_value(body: bytes, pos: int) -> int:
    marker = body[pos]
    if marker == 0x00:  # number
        return pos + 9
    if marker == 0x01:  # boolean
        return pos + 2
    if marker == 0x02:
        return _read_string(body, pos)[1]
    if marker in (0x05, 0x06):  # null, undefined
        return pos + 1
    if marker in (0x03, 0x08):  # object, ECMA array
        pos += 1 if marker == 0x03 else 5
        while True:
            key_length = struct.unpack(">H", body[pos : pos + 2])[0]
            pos += 2 + key_length
            if key_length == 0 and body[pos] == 0x09:
                return pos + 1
            pos = _skip_value(body, pos)
    raise ValueError(f"AMF0 marker {marker} not expected here")


def stream_key_of(name: str) -> str:
    """The key in a published stream name: ``KEY`` or ``KEY?params`` (some encoders add them)."""
    return name.split("?", 1)[0].strip()
