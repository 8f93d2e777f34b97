"""The storage conformance suite: what every :class:`StorageBackend` must do.

Subclass :class:`StorageConformance` in your plugin's tests and provide the
``backend`` fixture::

    class TestS3(StorageConformance):
        check_mentions = ("media-bucket",)

        @pytest.fixture
        def backend(self, s3_server):
            return S3Storage(S3Settings(bucket="media-bucket", endpoint_url=s3_server))

Every test works under its own random key prefix and removes it afterwards,
so a shared bucket is fine. Hooks a backend may need to adjust:

* ``signed_url_fetch`` (fixture): how a signed URL is fetched. The default
  GETs it over real HTTP with httpx; a backend whose URLs are served by the
  socialflow app itself (``local``) may fetch them from a live server.
* :meth:`StorageConformance.assert_signed_url_expired`: how expiry is proven.
  The default waits past the expiry and expects the server to refuse the URL.
  Emulators that check no signatures (gcp-storage-emulator) override it to
  assert on what the URL encodes instead, and say so.
* ``multipart_part_size`` / ``multipart_part_count``: S3 needs non-final
  parts of at least 5 MiB, which is the default.
* ``stream_size``: the large object ``put`` from a non-seekable stream with
  short reads (:class:`TrickleStream`, like the tus server's request body);
  set it above your backend's threshold for uploading in parts.
  ``socialflow.plugins.streams.forward_only`` adapts such streams for SDKs
  that need full reads or ``tell()``.

Long because the suite is one class a plugin subclasses once: each test method
is a rule every storage backend must keep, and splitting the class would make
plugin authors subclass several.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, cast

import httpx
import pytest

from socialflow.plugins.protocols import (
    ObjectInfo,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    UploadedPart,
)

MiB = 1024 * 1024
#: Set to a size in MiB to run the multipart test with an object that large (multi-GB runs).
LARGE_OBJECT_ENV = "SOCIALFLOW_CONFORMANCE_LARGE_OBJECT_MIB"

#: Keys no backend may accept: they could escape a root folder or alias another key.
INVALID_KEYS = ("", "../x", "/abs", "a/../../x", "a//b", "./a", "a/./b", "a\\b", "a\x00b")


@dataclass(frozen=True)
class SignedFetch:
    """What fetching a signed URL gave: status, body and (lower-cased) headers."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


SignedUrlFetcher = Callable[[str], SignedFetch]


def http_fetch(url: str) -> SignedFetch:
    """GET ``url`` over real HTTP, as a browser or video player holding the URL would."""
    response = httpx.get(url, timeout=30, follow_redirects=False)
    return SignedFetch(
        response.status_code,
        response.content,
        {k.lower(): v for k, v in response.headers.items()},
    )


class TrickleStream(io.RawIOBase):
    """A non-seekable stream that hands out at most ``step`` bytes per read.

    Like a socket or an HTTP request body (the tus server hands ``put`` one):
    a short read is not the end, only ``b""`` is, and ``seek``/``tell`` are
    not there. Backends whose SDK needs full reads or a position must adapt.
    """

    def __init__(self, data: bytes, step: int = 64 * 1024) -> None:
        self._data = memoryview(data)
        self._step = step
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._step, len(self._data) - self._at)
        buffer[:n] = self._data[self._at : self._at + n]
        self._at += n
        return n


def _payload(size: int, seed: int) -> bytes:
    """Distinct, incompressible bytes, so a mixed-up part or range shows."""
    return random.Random(seed).randbytes(size)


class StorageConformance:
    """Behaviour every storage backend must show. Subclass and give ``backend``."""

    #: Size of each non-final part in the multipart test (S3 wants >= 5 MiB).
    multipart_part_size: int = 5 * MiB
    #: How many parts; the last one is smaller than the others.
    multipart_part_count: int = 3
    #: the large object of the trickling-stream test (above the backend's part threshold)
    stream_size: int = 2 * MiB + 17
    #: Words ``check()`` must mention besides the backend name (bucket, container...).
    check_mentions: tuple[str, ...] = ()
    #: Parallel writers in the concurrency test.
    concurrent_writers: int = 6

    # ----------------------------------------------------------------- fixtures

    @pytest.fixture
    def backend(self) -> StorageBackend:
        """Override: return the backend under test."""
        pytest.fail(
            f"{type(self).__name__} must define a `backend` fixture returning the "
            "StorageBackend under test"
        )

    @pytest.fixture
    def key_prefix(self, backend: StorageBackend) -> Iterator[str]:
        """A fresh prefix per test; everything under it is deleted afterwards."""
        prefix = f"conformance/{uuid.uuid4().hex}/"
        yield prefix
        backend.delete_prefix(prefix)

    @pytest.fixture
    def signed_url_fetch(self) -> SignedUrlFetcher:
        """How a signed URL is fetched; override for backends served by the app."""
        return http_fetch

    # -------------------------------------------------------------------- hooks

    def assert_signed_url_expired(
        self,
        url: str,
        *,
        expires_in: int,
        issued_at: float,
        fetch: SignedUrlFetcher,
    ) -> None:
        """Prove that ``url`` (made at ``issued_at`` with ``expires_in``) stops working.

        The default waits until it has expired and expects the server to refuse
        it with a 4xx. Override only when the server cannot check (say so in
        the override's docstring) and assert on what the URL itself encodes.
        """
        time.sleep(max(0.0, issued_at + expires_in + 1.5 - time.time()))
        refused = fetch(url)
        assert 400 <= refused.status < 500, (
            f"an expired signed URL must be refused, got {refused.status}"
        )

    # ------------------------------------------------------------------- basics

    def test_backend_has_a_name(self, backend: StorageBackend) -> None:
        assert isinstance(backend.name, str)
        assert backend.name

    def test_check_names_the_backend(self, backend: StorageBackend) -> None:
        description = backend.check()
        assert isinstance(description, str)
        assert backend.name in description, description
        for word in self.check_mentions:
            assert word in description, f"check() should mention {word!r}: {description}"

    @pytest.mark.parametrize("size", [0, 1, 1000, 300_000], ids=["empty", "1B", "1kB", "300kB"])
    def test_round_trip(self, backend: StorageBackend, key_prefix: str, size: int) -> None:
        key = f"{key_prefix}object-{size}.bin"
        data = _payload(size, size)
        info = backend.put(key, data)
        assert isinstance(info, ObjectInfo)
        assert info.key == key
        assert info.size == size
        assert backend.exists(key)
        assert backend.get(key) == data
        assert backend.stat(key).size == size

    def test_put_from_file_objects(
        self, backend: StorageBackend, key_prefix: str, tmp_path: Path
    ) -> None:
        data = _payload(2 * MiB + 17, 7)
        backend.put(f"{key_prefix}from-bytesio", io.BytesIO(data))
        assert backend.get(f"{key_prefix}from-bytesio") == data
        source = tmp_path / "upload.bin"
        source.write_bytes(data)
        with source.open("rb") as fh:
            info = backend.put(f"{key_prefix}from-file", fh)
        assert info.size == len(data)
        assert backend.get(f"{key_prefix}from-file") == data

    @pytest.mark.parametrize("which", ["small", "large"])
    def test_put_from_a_non_seekable_stream_with_short_reads(
        self, backend: StorageBackend, key_prefix: str, which: str
    ) -> None:
        """A stream that trickles (short reads, no seek/tell) is stored whole.

        ``stream_size`` is the large case: set it above the backend's own
        threshold for uploading in parts, so that path is covered too.
        """
        size = 100_000 if which == "small" else self.stream_size
        data = _payload(size, 11)
        info = backend.put(f"{key_prefix}trickle", cast(BinaryIO, TrickleStream(data)))
        assert info.size == size
        assert backend.get(f"{key_prefix}trickle") == data

    def test_stat(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}meta/doc.json"
        backend.put(key, b'{"a": 1}', content_type="application/json")
        info = backend.stat(key)
        assert info.key == key
        assert info.size == 8
        assert info.content_type == "application/json"
        if info.modified_at is not None:
            assert isinstance(info.modified_at, datetime)
            assert info.modified_at.tzinfo is not None, "modified_at must be timezone-aware"

    def test_overwrite_replaces_the_object(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}overwritten"
        first = backend.put(key, b"first version, longer")
        second = backend.put(key, b"second")
        assert backend.get(key) == b"second"
        assert backend.stat(key).size == len(b"second")
        if first.etag is not None and second.etag is not None:
            assert first.etag != second.etag, "the etag must change when the content does"

    # ------------------------------------------------------------------ missing

    def test_missing_keys_raise_object_not_found(
        self, backend: StorageBackend, key_prefix: str
    ) -> None:
        key = f"{key_prefix}never-written"
        assert not backend.exists(key)
        for call in (
            lambda: backend.get(key),
            lambda: backend.stat(key),
            lambda: backend.read_range(key, 0, 10),
            lambda: b"".join(backend.open(key)),
        ):
            with pytest.raises(ObjectNotFound) as raised:
                call()
            # Documented: ObjectNotFound is both a StorageError and a KeyError.
            assert isinstance(raised.value, StorageError)
            assert isinstance(raised.value, KeyError)

    def test_delete_is_idempotent(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}doomed"
        backend.put(key, b"x")
        backend.delete(key)
        assert not backend.exists(key)
        with pytest.raises(ObjectNotFound):
            backend.get(key)
        backend.delete(key)  # again: not an error
        backend.delete(f"{key_prefix}never-existed")

    # ------------------------------------------------------------- list, prefix

    def test_list_is_sorted_and_scoped(self, backend: StorageBackend, key_prefix: str) -> None:
        keys = [f"{key_prefix}a/2/x", f"{key_prefix}a/1", f"{key_prefix}a/10", f"{key_prefix}b/1"]
        for key in keys:
            backend.put(key, b"k")
        assert backend.list(f"{key_prefix}a/") == sorted(keys[:3])
        assert backend.list(key_prefix) == sorted(keys)
        assert backend.list(f"{key_prefix}nothing/") == []

    def test_delete_prefix(self, backend: StorageBackend, key_prefix: str) -> None:
        doomed = [f"{key_prefix}video1/{name}" for name in ("master.m3u8", "360p/0.ts", "thumb")]
        kept = [f"{key_prefix}video10/master.m3u8", f"{key_prefix}video2/master.m3u8"]
        for key in doomed + kept:
            backend.put(key, b"segment")
        assert backend.delete_prefix(f"{key_prefix}video1/") == len(doomed)
        assert backend.list(f"{key_prefix}video1/") == []
        assert all(not backend.exists(key) for key in doomed)
        assert all(backend.exists(key) for key in kept)
        assert backend.delete_prefix(f"{key_prefix}video1/") == 0

    # -------------------------------------------------------------- streaming

    def test_open_streams_in_chunks(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}stream.bin"
        data = _payload(300_000, 3)
        backend.put(key, data)
        chunk_size = 64 * 1024
        chunks = list(backend.open(key, chunk_size=chunk_size))
        assert b"".join(chunks) == data
        assert len(chunks) > 1, "open() must stream, not return the object whole"
        assert max(len(chunk) for chunk in chunks) <= chunk_size
        backend.put(f"{key_prefix}empty", b"")
        assert b"".join(backend.open(f"{key_prefix}empty")) == b""

    def test_read_range(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}range.bin"
        data = _payload(10_000, 4)
        size = len(data)
        backend.put(key, data)
        assert backend.read_range(key, 0, 0) == data[:1]
        assert backend.read_range(key, 10, 19) == data[10:20]
        assert backend.read_range(key, 100) == data[100:]
        assert backend.read_range(key, 100, None) == data[100:]
        assert backend.read_range(key, size - 1, None) == data[-1:]
        # End past the object is clipped to its end, as HTTP Range does.
        assert backend.read_range(key, size - 10, size + 1000) == data[-10:]
        # Start at or past the end: nothing to read.
        assert backend.read_range(key, size, None) == b""
        assert backend.read_range(key, size + 5, size + 10) == b""

    def test_read_range_of_an_empty_object(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}empty-range"
        backend.put(key, b"")
        assert backend.read_range(key, 0, None) == b""
        assert backend.read_range(key, 0, 99) == b""

    def test_read_range_rejects_nonsense(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}range-nonsense"
        backend.put(key, b"0123456789")
        with pytest.raises(StorageError):
            backend.read_range(key, -1, 5)
        with pytest.raises(StorageError):
            backend.read_range(key, 5, 4)

    # --------------------------------------------------------------- multipart

    def _part_sizes(self) -> list[int]:
        """Part sizes: the class's, or ``SOCIALFLOW_CONFORMANCE_LARGE_OBJECT_MIB`` in total."""
        part = self.multipart_part_size
        wanted_mib = os.environ.get(LARGE_OBJECT_ENV)
        if not wanted_mib:
            return [part] * (self.multipart_part_count - 1) + [part // 3 + 1]
        total = int(float(wanted_mib) * MiB)
        sizes = [part] * (total // part)
        if total % part:
            sizes.append(total % part)
        return sizes

    def test_multipart_large_object(self, backend: StorageBackend, key_prefix: str) -> None:
        """Parts generated on the fly and checked by digest, so the object may be any size
        (set ``SOCIALFLOW_CONFORMANCE_LARGE_OBJECT_MIB=4096`` for a multi-GB run)."""
        key = f"{key_prefix}large/video.mp4"
        sizes = self._part_sizes()
        total = sum(sizes)
        upload_id = backend.create_multipart(key, content_type="video/mp4")
        assert isinstance(upload_id, str)
        assert upload_id
        uploaded: list[UploadedPart] = []
        # Parts may arrive in any order: the last one first, then the rest; one
        # comes as a file object.
        order = [len(sizes), *range(1, len(sizes))]
        for number in order:
            data = _payload(sizes[number - 1], 100 + number)
            body: bytes | io.BytesIO = io.BytesIO(data) if number == 1 else data
            part = backend.upload_part(key, upload_id, number, body)
            assert part.part_number == number
            assert part.size == len(data)
            assert part.etag
            uploaded.append(part)
        assert not backend.exists(key), "an unfinished upload must not be visible"
        info = backend.complete_multipart(key, upload_id, uploaded)
        assert info.size == total
        assert backend.stat(key).size == total

        expected = hashlib.sha256()
        for number, size in enumerate(sizes, 1):
            expected.update(_payload(size, 100 + number))
        streamed = hashlib.sha256()
        for chunk in backend.open(key, chunk_size=MiB):
            streamed.update(chunk)
        assert streamed.hexdigest() == expected.hexdigest(), "parts joined out of order or torn"
        if total <= 64 * MiB:
            assert hashlib.sha256(backend.get(key)).hexdigest() == expected.hexdigest()
        if len(sizes) > 1:  # a Range read across the first part boundary
            boundary = sizes[0]
            first_tail = _payload(sizes[0], 101)[-5:]
            second_head = _payload(sizes[1], 102)[:5]
            assert backend.read_range(key, boundary - 5, boundary + 4) == first_tail + second_head
        assert backend.list(f"{key_prefix}large/") == [key], "no part may linger as a key"

    def test_abort_multipart_leaves_nothing(self, backend: StorageBackend, key_prefix: str) -> None:
        key = f"{key_prefix}aborted.bin"
        upload_id = backend.create_multipart(key)
        backend.upload_part(key, upload_id, 1, b"some bytes")
        backend.abort_multipart(key, upload_id)
        assert not backend.exists(key)
        assert backend.list(key_prefix) == []

    # -------------------------------------------------------------- signed URLs

    def test_signed_url_works_over_http(
        self, backend: StorageBackend, key_prefix: str, signed_url_fetch: SignedUrlFetcher
    ) -> None:
        key = f"{key_prefix}signed/clip.bin"
        data = _payload(50_000, 5)
        backend.put(key, data, content_type="application/octet-stream")
        url = backend.signed_url(key, expires_in=600)
        assert url.startswith(("http://", "https://")), url
        fetched = signed_url_fetch(url)
        assert fetched.status == 200, fetched
        assert fetched.body == data

    def test_signed_url_names_the_download(
        self, backend: StorageBackend, key_prefix: str, signed_url_fetch: SignedUrlFetcher
    ) -> None:
        key = f"{key_prefix}signed/abc123.mp4"
        backend.put(key, b"movie", content_type="video/mp4")
        fetched = signed_url_fetch(backend.signed_url(key, expires_in=600, filename="holiday.mp4"))
        assert fetched.status == 200, fetched
        assert fetched.body == b"movie"
        assert "holiday.mp4" in fetched.headers.get("content-disposition", ""), fetched.headers

    def test_tampered_signed_url_is_refused(
        self, backend: StorageBackend, key_prefix: str, signed_url_fetch: SignedUrlFetcher
    ) -> None:
        """A URL signed for one key must not open another (emulators that check no
        signatures need a verifying ``signed_url_fetch``, as the S3 and GCS plugins have)."""
        secret, public = f"{key_prefix}secret/a.bin", f"{key_prefix}secret/b.bin"
        backend.put(secret, b"private")
        backend.put(public, b"shared")
        url = backend.signed_url(public, expires_in=600)
        forged = url.replace(public.rsplit("/", 1)[1], secret.rsplit("/", 1)[1], 1)
        assert forged != url
        refused = signed_url_fetch(forged)
        assert 400 <= refused.status < 500, f"a URL signed for another key must fail: {refused}"

    def test_signed_url_expires(
        self, backend: StorageBackend, key_prefix: str, signed_url_fetch: SignedUrlFetcher
    ) -> None:
        key = f"{key_prefix}signed/short-lived"
        backend.put(key, b"soon gone")
        issued_at = time.time()
        url = backend.signed_url(key, expires_in=1)
        self.assert_signed_url_expired(
            url, expires_in=1, issued_at=issued_at, fetch=signed_url_fetch
        )

    def test_signed_url_of_invalid_key_is_refused(self, backend: StorageBackend) -> None:
        with pytest.raises(StorageError):
            backend.signed_url("../etc/passwd")

    # ------------------------------------------------------------ invalid keys

    @pytest.mark.parametrize("key", INVALID_KEYS, ids=repr)
    def test_invalid_keys_are_rejected(self, backend: StorageBackend, key: str) -> None:
        with pytest.raises(StorageError):
            backend.put(key, b"nope")
        with pytest.raises(StorageError):
            backend.get(key)
        with pytest.raises(StorageError):
            backend.create_multipart(key)

    # ------------------------------------------------------------- concurrency

    def test_concurrent_writers_never_mix(self, backend: StorageBackend, key_prefix: str) -> None:
        """Writers race on one key; readers only ever see a whole value."""
        key = f"{key_prefix}contended"
        size = 256 * 1024
        values = [bytes([n]) * size for n in range(self.concurrent_writers)]
        errors: list[BaseException] = []
        torn: list[bytes] = []
        writing = threading.Event()
        writing.set()

        def write(value: bytes) -> None:
            try:
                start.wait()
                for _ in range(3):
                    backend.put(key, value)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        def read() -> None:
            try:
                start.wait()
                while writing.is_set():
                    try:
                        seen = backend.get(key)
                    except ObjectNotFound:
                        continue
                    if seen not in values:
                        torn.append(seen[:16])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(value,)) for value in values]
        reader = threading.Thread(target=read)
        start = threading.Barrier(len(threads) + 1)
        for thread in [*threads, reader]:
            thread.start()
        for thread in threads:
            thread.join(120)
        writing.clear()
        reader.join(120)
        assert not errors, errors
        assert not torn, f"a reader saw a mixed or partial object: {torn[:3]}"
        assert backend.get(key) in values
