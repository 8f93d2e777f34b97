"""A base class for storage backends: write six small methods, get the whole protocol.

:class:`StorageBackendBase` implements every :class:`StorageBackend` method
on top of a core a subclass fills in:

====================  ==========================================================
``_put``              store a stream under a key, atomically; return its ObjectInfo
``_get``              the whole object (``ObjectNotFound`` when missing)
``_stat``             its ObjectInfo (``ObjectNotFound`` when missing)
``_delete``           remove it (a missing key is not an error)
``_list``             the keys starting with a prefix, in any order
``_signed_url``       an http(s) URL that GETs the object until it expires
====================  ==========================================================

The public methods check every key (:func:`check_key`, and no key under
:data:`INTERNAL_PREFIX`) and every range before a core method sees them, so
the core never has to. Everything else is derived:

* ``open`` and ``read_range`` slice ``_get``, which reads the whole object.
  A backend whose store can stream or serve byte ranges (any HTTP object
  store) should override ``_open`` and ``_read_range``: video players seek
  with Range requests, and a whole multi-GB object per seek is not viable.
* ``exists`` calls ``_stat``; ``delete_prefix`` lists and deletes one key at
  a time (override ``_delete_many`` where the store deletes in batches).
* multipart uploads keep each part as an object under
  ``INTERNAL_PREFIX/multipart/<upload id>/``, so any process may receive any
  part, and join them on completion by streaming every part (``_open``)
  into one ``_put``. Stores with native multipart uploads (S3, Azure block
  blobs, GCS compose) should override the four ``*_multipart``/``upload_part``
  methods, validating keys with :meth:`StorageBackendBase.valid_key`.
* ``check`` writes, reads back and deletes a probe object under
  ``INTERNAL_PREFIX`` and returns :meth:`StorageBackendBase.describe`.

Keys under ``INTERNAL_PREFIX`` are the base's own: ``list`` never shows them
and the public methods refuse them.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO
from urllib.parse import quote, urlencode

from socialflow.core.signing import sign_media_url
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.storage_keys import check_key, check_range
from socialflow.plugins.streams import forward_only

#: Where the base keeps multipart parts and ``check`` probes; hidden from ``list``.
INTERNAL_PREFIX = ".socialflow/"
_MULTIPART = f"{INTERNAL_PREFIX}multipart/"
_CHUNK = 1024 * 1024


def media_url(
    base_url: str, secret: str, key: str, expires_in: int, filename: str | None = None
) -> str:
    """A signed URL to socialflow's own ``/media/{key}`` route (``base_url`` ends with the
    API prefix), for backends whose objects the app serves: the route checks the HMAC,
    made with the project's secret, and the expiry, then streams from the active storage."""
    expires = int(time.time()) + expires_in
    query = {"expires": str(expires), "sig": sign_media_url(secret, key, expires, filename)}
    if filename:
        query["filename"] = filename
    return f"{base_url}/media/{quote(key)}?{urlencode(query)}"


class _Joined(io.RawIOBase):
    """One forward-only stream over several chunk iterators (the parts of an upload)."""

    def __init__(self, sources: Iterable[Iterable[bytes]]) -> None:
        self._chunks = (chunk for source in sources for chunk in source)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = bytes(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class _Hashing(io.RawIOBase):
    """Passes a stream through, keeping its MD5 (a part's etag) and length."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.md5.update(data)
        self.size += len(data)
        return len(data)


def _as_stream(data: bytes | BinaryIO) -> BinaryIO:
    """Bytes as a file; a file as one whose reads are full (short only at the end)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(data))
    return forward_only(data)


class StorageBackendBase:
    """The :class:`StorageBackend` protocol over six core methods (see the module docs).

    Subclasses set ``name`` and implement ``_put``, ``_get``, ``_stat``,
    ``_delete``, ``_list`` and ``_signed_url``; they receive checked keys only.
    Raise :class:`StorageError` for failures, :class:`ObjectNotFound` for a
    missing key.
    """

    name: str

    # ------------------------------------------------------------ the core

    def _put(self, key: str, data: BinaryIO, content_type: str | None) -> ObjectInfo:
        """Store ``data`` (a binary file: ``read(n)`` is short only at the end, ``read()``
        reads it all) under ``key``, replacing any object atomically."""
        raise NotImplementedError(f"{type(self).__name__} must implement _put()")

    def _get(self, key: str) -> bytes:
        """The whole object; ``ObjectNotFound(key)`` when there is none."""
        raise NotImplementedError(f"{type(self).__name__} must implement _get()")

    def _stat(self, key: str) -> ObjectInfo:
        """Its ObjectInfo (timezone-aware ``modified_at``); ``ObjectNotFound(key)`` if missing."""
        raise NotImplementedError(f"{type(self).__name__} must implement _stat()")

    def _delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        raise NotImplementedError(f"{type(self).__name__} must implement _delete()")

    def _list(self, prefix: str) -> Iterable[str]:
        """Every key starting with ``prefix``, in any order."""
        raise NotImplementedError(f"{type(self).__name__} must implement _list()")

    def _signed_url(self, key: str, expires_in: int, filename: str | None) -> str:
        """An http(s) URL that GETs this object (and no other) until ``expires_in`` seconds
        from now; with ``filename``, the response names the download (Content-Disposition)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _signed_url()")

    # ------------------------------------------- derived, override for speed

    def _open(self, key: str, chunk_size: int) -> Iterator[bytes]:
        """Chunks of ``_get``: override to stream from the store without loading it whole."""
        body = memoryview(self._get(key))  # ObjectNotFound now, not at the first chunk
        return (bytes(body[i : i + chunk_size]) for i in range(0, len(body), chunk_size))

    def _read_range(self, key: str, start: int, end: int | None) -> bytes:
        """A slice of ``_get``: override with the store's ranged read (HTTP Range)."""
        return self._get(key)[start : None if end is None else end + 1]

    def _exists(self, key: str) -> bool:
        try:
            self._stat(key)
        except ObjectNotFound:
            return False
        return True

    def _delete_many(self, keys: Sequence[str]) -> None:
        """One ``_delete`` per key: override where the store deletes in batches."""
        for key in keys:
            self._delete(key)

    def describe(self) -> str:
        """What ``check`` reports once the probe passed: name the store (bucket, URL...)."""
        return f"{self.name} storage"

    # ----------------------------------------------------------- the protocol

    def valid_key(self, key: str) -> str:
        """``key`` if it is a valid key outside :data:`INTERNAL_PREFIX`; else StorageError."""
        if check_key(key).startswith(INTERNAL_PREFIX):
            raise StorageError(f"storage keys under {INTERNAL_PREFIX!r} are reserved")
        return key

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        return self._put(self.valid_key(key), _as_stream(data), content_type)

    def get(self, key: str) -> bytes:
        return self._get(self.valid_key(key))

    def open(self, key: str, *, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        if chunk_size < 1:
            raise StorageError(f"invalid chunk size {chunk_size}")
        return self._open(self.valid_key(key), chunk_size)

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        return self._read_range(self.valid_key(key), start, end)

    def stat(self, key: str) -> ObjectInfo:
        return self._stat(self.valid_key(key))

    def exists(self, key: str) -> bool:
        return self._exists(self.valid_key(key))

    def delete(self, key: str) -> None:
        self._delete(self.valid_key(key))

    def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self._list(prefix) if not k.startswith(INTERNAL_PREFIX))

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        self._delete_many(keys)
        return len(keys)

    def signed_url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        return self._signed_url(self.valid_key(key), expires_in, filename)

    # --------------------------------------------- multipart, over the core

    def _upload_folder(self, upload_id: str) -> str:
        if not (upload_id.isascii() and upload_id.isalnum()):
            raise StorageError(f"invalid upload id {upload_id!r}")
        return f"{_MULTIPART}{upload_id}/"

    def _upload(self, key: str, upload_id: str) -> dict[str, str | None]:
        """The upload's manifest (its key and content type); ObjectNotFound if unknown."""
        folder = self._upload_folder(upload_id)
        try:
            manifest: dict[str, str | None] = json.loads(self._get(f"{folder}manifest"))
        except ObjectNotFound:
            raise ObjectNotFound(f"multipart upload {upload_id}") from None
        if manifest.get("key") != self.valid_key(key):
            raise StorageError(f"multipart upload {upload_id} is not for {key!r}")
        return manifest

    def create_multipart(self, key: str, *, content_type: str | None = None) -> str:
        manifest = json.dumps({"key": self.valid_key(key), "content_type": content_type})
        upload_id = uuid.uuid4().hex
        folder = self._upload_folder(upload_id)
        self._put(f"{folder}manifest", io.BytesIO(manifest.encode()), "application/json")
        return upload_id

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        self._upload(key, upload_id)
        if part_number < 1:
            raise StorageError("part numbers start at 1")
        hashing = _Hashing(_as_stream(data))
        part_key = f"{self._upload_folder(upload_id)}part-{part_number:06d}"
        self._put(part_key, forward_only(hashing), None)  # type: ignore[arg-type]
        return UploadedPart(part_number, hashing.md5.hexdigest(), hashing.size)

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        manifest = self._upload(key, upload_id)
        folder = self._upload_folder(upload_id)
        numbers = sorted({part.part_number for part in parts})
        part_keys = [f"{folder}part-{number:06d}" for number in numbers]
        for number, part_key in zip(numbers, part_keys, strict=True):
            if not self._exists(part_key):
                raise StorageError(f"part {number} of upload {upload_id} was never uploaded")
        joined = _Joined(self._open(part_key, _CHUNK) for part_key in part_keys)
        info = self._put(key, forward_only(joined), manifest.get("content_type"))  # type: ignore[arg-type]
        self.abort_multipart(key, upload_id)
        return info

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.valid_key(key)
        folder = self._upload_folder(upload_id)
        self._delete_many(sorted(self._list(folder)))

    # ----------------------------------------------------------------- check

    def check(self) -> str:
        """Write, read back and delete a probe object; StorageError saying what failed."""
        probe = f"{INTERNAL_PREFIX}check/{uuid.uuid4().hex}"
        step = "write"
        try:
            self._put(probe, io.BytesIO(b"ok"), "text/plain")
            step = "read"
            if self._get(probe) != b"ok":
                raise StorageError("it read back different bytes")
            step = "delete"
            self._delete(probe)
            if self._exists(probe):
                raise StorageError("the probe is still there")
        except Exception as exc:
            raise StorageError(f"{self.describe()}: the {step} probe failed: {exc}") from exc
        return f"{self.describe()} (reachable, writable)"
