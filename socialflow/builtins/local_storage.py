"""The ``local`` storage backend: files under ``media_dir``.

Writes go to a temporary file in the same folder and are renamed into place,
so readers never see half an object. Keys are checked so that no key can
escape the root. Signed URLs point at the app's ``/media`` route, which
checks an HMAC over key and expiry.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from socialflow.core.settings import Settings
from socialflow.core.signing import sign_media_url
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.specs import hookimpl
from socialflow.plugins.storage_keys import check_key, check_range

COPY_CHUNK = 1024 * 1024
MULTIPART_DIR = ".multipart"


class LocalStorage:
    """Objects as files under one root folder."""

    name = "local"

    def __init__(self, root: Path, *, secret: str, base_url: str) -> None:
        self.root = root.resolve()
        self.secret = secret
        self.base_url = base_url.rstrip("/")

    # ------------------------------------------------------------------ paths

    def path_for(self, key: str) -> Path:
        """The file for ``key``; refuses keys that would leave the root."""
        if check_key(key).split("/", 1)[0] == MULTIPART_DIR:
            raise StorageError(f"invalid storage key {key!r}")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageError(f"invalid storage key {key!r}")
        return path

    def _existing(self, key: str) -> Path:
        path = self.path_for(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path

    # ----------------------------------------------------------------- writes

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, COPY_CHUNK)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return self.stat(key)

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        self._prune_empty_dirs(prefix)
        return len(keys)

    def _prune_empty_dirs(self, prefix: str) -> None:
        """Remove folders the deletion left empty (and stale temp files of dead writers)."""
        base = self.root / prefix.rstrip("/") if prefix.strip("/") else None
        if base is None or not base.is_dir() or not base.resolve().is_relative_to(self.root):
            return
        for path in sorted(base.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_file() and path.name.startswith(".tmp-") and prefix.endswith("/"):
                path.unlink(missing_ok=True)
            elif path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()
        folder = base
        while folder != self.root and folder.is_dir():
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    # ------------------------------------------------------------------ reads

    def get(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def open(self, key: str, *, chunk_size: int = COPY_CHUNK) -> Iterator[bytes]:
        path = self._existing(key)

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while chunk := fh.read(chunk_size):
                    yield chunk

        return chunks()

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        path = self._existing(key)
        check_range(start, end)
        with path.open("rb") as fh:
            fh.seek(start)
            return fh.read() if end is None else fh.read(end - start + 1)

    def stat(self, key: str) -> ObjectInfo:
        path = self._existing(key)
        st = path.stat()
        return ObjectInfo(
            key=key,
            size=st.st_size,
            content_type=mimetypes.guess_type(key)[0] or "application/octet-stream",
            etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
            modified_at=datetime.fromtimestamp(st.st_mtime, UTC),
        )

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix.rstrip("/") if prefix else self.root
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            relative = path.relative_to(self.root).as_posix()
            if (
                path.is_file()
                and not path.name.startswith(".tmp-")
                and not relative.startswith(MULTIPART_DIR)
            ):
                keys.append(relative)
        return sorted(k for k in keys if k.startswith(prefix))

    def signed_url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        self.path_for(key)
        expires = int(time.time()) + expires_in
        query = {
            "expires": str(expires),
            "sig": sign_media_url(self.secret, key, expires, filename),
        }
        if filename:
            query["filename"] = filename
        return f"{self.base_url}/media/{quote(key)}?{urlencode(query)}"

    # -------------------------------------------------------------- multipart

    def _multipart_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise StorageError(f"invalid upload id {upload_id!r}")
        return self.root / MULTIPART_DIR / upload_id

    def create_multipart(self, key: str, *, content_type: str | None = None) -> str:
        self.path_for(key)
        upload_id = uuid.uuid4().hex
        self._multipart_dir(upload_id).mkdir(parents=True)
        return upload_id

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        folder = self._multipart_dir(upload_id)
        if not folder.is_dir():
            raise ObjectNotFound(f"multipart upload {upload_id}")
        if part_number < 1:
            raise StorageError("part numbers start at 1")
        target = folder / f"{part_number:06d}"
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        with os.fdopen(fd, "wb") as out:
            source = (
                [bytes(data)]
                if isinstance(data, bytes | bytearray | memoryview)
                else iter(lambda: data.read(COPY_CHUNK), b"")
            )
            for chunk in source:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        os.replace(temp_name, target)
        return UploadedPart(part_number=part_number, etag=digest.hexdigest(), size=size)

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        folder = self._multipart_dir(upload_id)
        if not folder.is_dir():
            raise ObjectNotFound(f"multipart upload {upload_id}")
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                for part in sorted(parts, key=lambda p: p.part_number):
                    part_path = folder / f"{part.part_number:06d}"
                    if not part_path.is_file():
                        raise StorageError(f"part {part.part_number} was never uploaded")
                    with part_path.open("rb") as src:
                        shutil.copyfileobj(src, out, COPY_CHUNK)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        shutil.rmtree(folder, ignore_errors=True)
        return self.stat(key)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        shutil.rmtree(self._multipart_dir(upload_id), ignore_errors=True)

    # ------------------------------------------------------------------ check

    def check(self) -> str:
        probe = f"_health/{uuid.uuid4().hex}"
        try:
            self.put(probe, b"ok")
            if self.get(probe) != b"ok":
                raise StorageError("read back different bytes")
            self.delete(probe)
        except OSError as exc:
            raise StorageError(f"local storage at {self.root} is not writable: {exc}") from exc
        return f"local storage at {self.root} (writable)"


def make_local_storage(settings: Settings) -> LocalStorage:
    assert settings.media_dir is not None
    return LocalStorage(
        settings.media_dir,
        secret=settings.secret(),
        base_url=settings.public_url + settings.api_prefix,
    )


@hookimpl
def socialflow_storage_backends() -> dict[str, object]:
    return {"local": make_local_storage}
