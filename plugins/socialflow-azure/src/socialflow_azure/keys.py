"""Key rules shared by every socialflow storage backend."""

from __future__ import annotations

from socialflow.plugins.protocols import StorageError


def check_key(key: str) -> str:
    """Refuse keys that could alias another key or escape a folder (``..``, ``/abs``, ``a//b``)."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise StorageError(f"invalid storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise StorageError(f"invalid range {start}-{end}")
