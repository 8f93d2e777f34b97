"""Channel state of the ``local`` provider, in files every process on the host shares.

The API process that creates a channel, the process running the ingest and
the worker that copies a recording are different processes: they agree
through this folder, never through memory.

```
<root>/channels/<ref>.json   owner, record, key hash, status, broadcasts
<root>/channels/<ref>.lock   flock()ed around every read-modify-write
<root>/keys/<sha256 of key>  the ref of the channel the key publishes to
<root>/broadcasts/<id>/      one broadcast's HLS output (see ``ladder``)
```

Keys are kept only as SHA-256 hashes (a key is 32 random bytes, so a fast
hash is enough): whoever reads the folder cannot publish.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REF = re.compile(r"^[0-9a-f]{32}$")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "live_" + secrets.token_urlsafe(32)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class BroadcastRecord:
    ref: str
    status: str  # live | ended
    started_at: str
    ended_at: str | None = None
    stopped_reason: str | None = None  # the ingest stopped it (an operator limit broken)


@dataclass
class ChannelRecord:
    ref: str
    owner_id: str
    title: str
    record: bool
    key_sha256: str
    status: str = "idle"  # idle | live | ended
    drop: bool = False  # asked to drop the publisher (the ingest's watchdog clears it)
    latency_mode: str = "standard"  # standard | low: segment length of its next broadcasts
    broadcasts: list[BroadcastRecord] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelRecord:
        broadcasts = [BroadcastRecord(**b) for b in data.pop("broadcasts", [])]
        return cls(**data, broadcasts=broadcasts)


def _write_atomic(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class Registry:
    """Read and change channel files under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def channels(self) -> Path:
        return self.root / "channels"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def broadcasts(self) -> Path:
        return self.root / "broadcasts"

    def ensure(self) -> None:
        for folder in (self.channels, self.keys, self.broadcasts):
            folder.mkdir(parents=True, exist_ok=True)

    def _path(self, ref: str) -> Path:
        if not REF.match(ref):
            raise KeyError(ref)
        return self.channels / f"{ref}.json"

    def read(self, ref: str) -> ChannelRecord:
        try:
            data = json.loads(self._path(ref).read_text())
        except FileNotFoundError:
            raise KeyError(ref) from None
        return ChannelRecord.from_json(data)

    @contextlib.contextmanager
    def change(self, ref: str) -> Iterator[ChannelRecord]:
        """Read, let the caller change, write back: one process at a time per channel."""
        path = self._path(ref)
        with (self.channels / f"{ref}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                channel = self.read(ref)
                yield channel
                _write_atomic(path, json.dumps(asdict(channel)))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def create(self, *, owner_id: str, title: str, record: bool) -> tuple[ChannelRecord, str]:
        self.ensure()
        ref = secrets.token_hex(16)
        key = new_key()
        channel = ChannelRecord(ref, owner_id, title[:200], record, key_hash(key))
        _write_atomic(self.keys / channel.key_sha256, ref)
        _write_atomic(self._path(ref), json.dumps(asdict(channel)))
        return channel, key

    def rotate(self, ref: str) -> str:
        key = new_key()
        with self.change(ref) as channel:
            old = channel.key_sha256
            channel.key_sha256 = key_hash(key)
            _write_atomic(self.keys / channel.key_sha256, ref)
            with contextlib.suppress(FileNotFoundError):
                (self.keys / old).unlink()
        return key

    def channel_for_key(self, key: str) -> ChannelRecord | None:
        """The channel ``key`` currently publishes to, or None (unknown, rotated, ended)."""
        digest = key_hash(key)
        try:
            ref = (self.keys / digest).read_text().strip()
            channel = self.read(ref)
        except (FileNotFoundError, KeyError):
            return None
        if channel.key_sha256 != digest or channel.status == "ended":
            return None
        return channel

    def forget_key(self, ref: str) -> None:
        channel = self.read(ref)
        with contextlib.suppress(FileNotFoundError):
            (self.keys / channel.key_sha256).unlink()

    def all_refs(self) -> list[str]:
        if not self.channels.is_dir():
            return []
        return sorted(p.stem for p in self.channels.glob("*.json") if REF.match(p.stem))
