"""StorageBackendBase: six core methods make a backend that passes the storage suite.

``DictStorage`` writes only the core (a dict, as a minimal backend would);
everything else is the base class's: streaming, ranges, ``delete_prefix``,
multipart uploads kept as internal objects, ``check`` and key validation.
Signed URLs are checked as socialflow's ``/media`` route checks them (HMAC
and expiry, :func:`socialflow.core.signing.sign_media_url`).
"""

from __future__ import annotations

import hmac
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from socialflow.core.signing import sign_media_url
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.storage_base import INTERNAL_PREFIX, StorageBackendBase, media_url
from socialflow.testing.conformance import SignedFetch, StorageConformance
from socialflow.testing.conformance.storage import SignedUrlFetcher

BASE_URL = "http://127.0.0.1:9/api/v1"
SECRET = "s" * 48


class DictStorage(StorageBackendBase):
    """The core over a dict that several instances may share (like processes over a store)."""

    name = "dict"

    def __init__(self, objects: dict[str, tuple[bytes, ObjectInfo]] | None = None) -> None:
        self.objects = {} if objects is None else objects
        self.gets = 0

    def _put(self, key: str, data: BinaryIO, content_type: str | None) -> ObjectInfo:
        body = data.read()
        info = ObjectInfo(key, len(body), content_type, uuid.uuid4().hex, datetime.now(UTC))
        self.objects[key] = (body, info)
        return info

    def _entry(self, key: str) -> tuple[bytes, ObjectInfo]:
        if (found := self.objects.get(key)) is None:
            raise ObjectNotFound(key)
        return found

    def _get(self, key: str) -> bytes:
        self.gets += 1
        return self._entry(key)[0]

    def _stat(self, key: str) -> ObjectInfo:
        return self._entry(key)[1]

    def _delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def _list(self, prefix: str) -> Iterable[str]:
        return [key for key in list(self.objects) if key.startswith(prefix)]

    def _signed_url(self, key: str, expires_in: int, filename: str | None) -> str:
        return media_url(BASE_URL, SECRET, key, expires_in, filename)


def media_route_fetch(backend: StorageBackendBase) -> SignedUrlFetcher:
    """Answer a signed URL as socialflow's /media route does: signature, expiry, bytes."""

    def fetch(url: str) -> SignedFetch:
        parts = urlsplit(url)
        prefix = urlsplit(BASE_URL).path + "/media/"
        if not url.startswith(BASE_URL) or not parts.path.startswith(prefix):
            return SignedFetch(404, b"")
        key = unquote(parts.path.removeprefix(prefix))
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        try:
            expires, signature = int(query["expires"]), query["sig"]
        except (KeyError, ValueError):
            return SignedFetch(403, b"")
        filename = query.get("filename")
        expected = sign_media_url(SECRET, key, expires, filename)
        if not hmac.compare_digest(signature, expected) or expires < time.time():
            return SignedFetch(403, b"")
        try:
            body = backend.get(key)
        except StorageError:
            return SignedFetch(404, b"")
        disposition = f'attachment; filename="{filename}"' if filename else ""
        return SignedFetch(200, body, {"content-disposition": disposition} if filename else {})

    return fetch


class TestStorageBackendBase(StorageConformance):
    check_mentions = ("writable",)

    @pytest.fixture
    def backend(self) -> DictStorage:
        return DictStorage()

    @pytest.fixture
    def signed_url_fetch(self, backend: DictStorage) -> SignedUrlFetcher:
        return media_route_fetch(backend)


def test_parts_may_arrive_at_different_instances() -> None:
    """Parts live in the store, not the instance: any worker may receive any part."""
    shared: dict[str, tuple[bytes, ObjectInfo]] = {}
    first, second, third = DictStorage(shared), DictStorage(shared), DictStorage(shared)
    upload_id = first.create_multipart("videos/1/source.mp4", content_type="video/mp4")
    parts = [
        second.upload_part("videos/1/source.mp4", upload_id, 2, b"world"),
        first.upload_part("videos/1/source.mp4", upload_id, 1, b"hello "),
    ]
    info = third.complete_multipart("videos/1/source.mp4", upload_id, parts)
    assert (info.size, info.content_type) == (11, "video/mp4")
    assert first.get("videos/1/source.mp4") == b"hello world"
    assert list(shared) == ["videos/1/source.mp4"], "the parts and the manifest are gone"


def test_multipart_refuses_unknown_uploads_missing_parts_and_another_key() -> None:
    storage = DictStorage()
    with pytest.raises(ObjectNotFound):
        storage.upload_part("a/b", uuid.uuid4().hex, 1, b"x")
    with pytest.raises(StorageError):
        storage.upload_part("a/b", "../../escape", 1, b"x")
    upload_id = storage.create_multipart("a/b")
    with pytest.raises(StorageError, match="start at 1"):
        storage.upload_part("a/b", upload_id, 0, b"x")
    with pytest.raises(StorageError, match="not for"):
        storage.upload_part("a/other", upload_id, 1, b"x")
    one = storage.upload_part("a/b", upload_id, 1, b"x")
    ghost = UploadedPart(2, "etag", 1)
    with pytest.raises(StorageError, match=r"part 2 .* never uploaded"):
        storage.complete_multipart("a/b", upload_id, [one, ghost])
    assert not storage.exists("a/b")


def test_internal_keys_are_hidden_and_refused() -> None:
    storage = DictStorage()
    upload_id = storage.create_multipart("a/b")
    storage.upload_part("a/b", upload_id, 1, b"x")
    storage.put("a/c", b"y")
    assert storage.list("") == ["a/c"]
    assert storage.delete_prefix("") == 1
    for call in (
        lambda: storage.put(f"{INTERNAL_PREFIX}x", b"z"),
        lambda: storage.get(f"{INTERNAL_PREFIX}multipart/{upload_id}/part-000001"),
        lambda: storage.signed_url(f"{INTERNAL_PREFIX}x"),
    ):
        with pytest.raises(StorageError, match="reserved"):
            call()
    storage.abort_multipart("a/b", upload_id)
    assert storage.objects == {}


def test_check_reports_what_failed_as_a_storage_error() -> None:
    class Broken(DictStorage):
        def _get(self, key: str) -> bytes:
            raise ConnectionError("connection refused by 127.0.0.1:1")

    storage = Broken()
    with pytest.raises(StorageError, match="dict storage: the read probe failed: connection"):
        storage.check()
    assert storage.list("") == []
    assert DictStorage().check() == "dict storage (reachable, writable)"


def test_a_serious_backend_overrides_ranged_reads() -> None:
    """Overriding ``_read_range`` and ``_open`` is all it takes: the base stops calling ``_get``."""

    class Ranged(DictStorage):
        def _read_range(self, key: str, start: int, end: int | None) -> bytes:
            body = self._entry(key)[0]
            return body[start : None if end is None else end + 1]

        def _open(self, key: str, chunk_size: int) -> Iterable[bytes]:  # type: ignore[override]
            body = self._entry(key)[0]
            return iter([body[i : i + chunk_size] for i in range(0, len(body), chunk_size)])

    storage = Ranged()
    storage.put("v/seg.ts", bytes(range(256)))
    assert storage.read_range("v/seg.ts", 10, 12) == bytes([10, 11, 12])
    assert b"".join(storage.open("v/seg.ts", chunk_size=100)) == bytes(range(256))
    with pytest.raises(StorageError):
        storage.read_range("v/seg.ts", 5, 4)
    assert storage.gets == 0


def test_concurrent_part_uploads() -> None:
    storage = DictStorage()
    upload_id = storage.create_multipart("big/object")
    results = {}

    def send(number: int) -> None:
        results[number] = storage.upload_part(
            "big/object", upload_id, number, bytes([number]) * 1000
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    storage.complete_multipart("big/object", upload_id, list(results.values()))
    assert storage.get("big/object") == b"".join(bytes([n]) * 1000 for n in range(1, 9))
