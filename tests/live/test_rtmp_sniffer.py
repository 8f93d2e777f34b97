"""The RTMP reader of the ingest relay: message by message, nothing of a publish let
through before the whole command is in, whatever the chunking."""

from __future__ import annotations

import struct

import pytest

from socialflow.builtins.local_live.rtmp import (
    HANDSHAKE_BYTES,
    PublishSniffer,
    RtmpProtocolError,
    stream_key_of,
)


def amf_string(value: str) -> bytes:
    data = value.encode()
    return b"\x02" + struct.pack(">H", len(data)) + data


def amf_number(value: float) -> bytes:
    return b"\x00" + struct.pack(">d", value)


def command(name: str, txn: float, *rest: bytes) -> bytes:
    return amf_string(name) + amf_number(txn) + b"".join(rest)


def chunked(csid: int, type_id: int, payload: bytes, chunk_size: int, *, stream: int = 0) -> bytes:
    """One message as RTMP chunks: a type-0 header, then type-3 continuations."""
    header = bytes([csid]) + (0).to_bytes(3, "big") + len(payload).to_bytes(3, "big")
    out = header + bytes([type_id]) + struct.pack("<I", stream) + payload[:chunk_size]
    for start in range(chunk_size, len(payload), chunk_size):
        out += bytes([0xC0 | csid]) + payload[start : start + chunk_size]
    return out


def publisher_bytes(key: str) -> tuple[bytes, int]:
    """A publisher's side up to publish (what ffmpeg and OBS send), and where publish starts."""
    connect_object = (
        b"\x03" + struct.pack(">H", 3) + b"app" + amf_string("live")
        + struct.pack(">H", 5) + b"tcUrl" + amf_string("rtmp://127.0.0.1/live")
        + b"\x00\x00\x09"
    )  # fmt: skip
    data = b"\x03" + bytes(range(256)) * 6 + bytes(1536)  # C0 + C1 + C2
    assert len(data) == HANDSHAKE_BYTES
    data += chunked(2, 1, struct.pack(">I", 4096), 128)  # set chunk size 4096
    data += chunked(3, 20, command("connect", 1, connect_object), 4096)
    data += chunked(3, 20, command("releaseStream", 2, b"\x05", amf_string(key)), 4096)
    data += chunked(3, 20, command("FCPublish", 3, b"\x05", amf_string(key)), 4096)
    data += chunked(3, 20, command("createStream", 4, b"\x05"), 4096)
    publish_at = len(data)
    long_name = key + "?" + "x" * 5000  # longer than a chunk: several chunks
    data += chunked(
        8,
        20,
        command("publish", 5, b"\x05", amf_string(long_name), amf_string("live")),
        4096,
        stream=1,
    )
    return data, publish_at


@pytest.mark.parametrize("piece", [1, 7, 1000, 100_000])
def test_commands_are_read_in_any_chunking(piece: int) -> None:
    key = "live_" + "k" * 43
    data, publish_at = publisher_bytes(key)
    sniffer = PublishSniffer()
    forwarded = b""
    names: list[tuple[str | None, str | None]] = []
    for start in range(0, len(data), piece):
        for released in sniffer.feed(data[start : start + piece]):
            if released.command == "publish":
                # Reported before its bytes go: everything before it is already through.
                assert forwarded == data[:publish_at]
            if released.stream_name is not None:
                names.append((released.command, stream_key_of(released.stream_name)))
            forwarded += released.data
    assert forwarded == data
    assert names == [("releaseStream", key), ("FCPublish", key), ("publish", key)]


def test_an_incomplete_publish_is_held_back() -> None:
    data, publish_at = publisher_bytes("live_" + "k" * 43)
    sniffer = PublishSniffer()
    released = sniffer.feed(data[:-1])
    forwarded = b"".join(r.data for r in released)
    assert forwarded == data[:publish_at]
    assert all(r.command != "publish" for r in released)
    assert sniffer.remainder() == data[publish_at:-1]


def test_garbage_is_refused() -> None:
    sniffer = PublishSniffer()
    sniffer.feed(bytes(HANDSHAKE_BYTES))
    with pytest.raises(RtmpProtocolError):
        sniffer.feed(b"\xc3" + bytes(100))  # a continuation chunk with no message begun
    flood = PublishSniffer()
    flood.feed(bytes(HANDSHAKE_BYTES))
    with pytest.raises(RtmpProtocolError):
        flood.feed(
            b"\x03" + b"\x00\x00\x00" + b"\xff\xff\xff" + b"\x14" + bytes(4) + bytes(300_000)
        )
