"""The ``gcs`` storage backend: objects in one Google Cloud Storage bucket.

The client is built on first use and shared by threads. Uploads larger than
``chunk_size`` are resumable uploads. The ``create_multipart`` family stores
each part as a temporary object under ``.multipart/<upload>/`` and joins them
with ``compose`` (32 sources per call, so larger uploads compose in rounds),
which is how GCS assembles parts that arrive out of order. Signed URLs are
V4 (``GOOG4-RSA-SHA256``), signed with a service-account key.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc
from requests import exceptions as http_exc
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.storage_keys import check_key, check_range
from socialflow.plugins.streams import forward_only

from socialflow_gcs.settings import GCSSettings

if TYPE_CHECKING:
    from google.cloud.storage import Bucket, Client

MULTIPART_DIR = ".multipart"
COMPOSE_LIMIT = 32
MAX_PARTS = 10_000
SCOPES = ["https://www.googleapis.com/auth/devstorage.read_write"]
# What can go wrong talking to GCS: API answers, auth, and the network.
FAILURES = (gexc.GoogleAPIError, auth_exc.GoogleAuthError, http_exc.RequestException)


class GCSStorage:
    """Media on Google Cloud Storage. See :class:`~socialflow.plugins.protocols.StorageBackend`."""

    name = "gcs"

    def __init__(self, config: GCSSettings) -> None:
        config.require_usable()
        assert config.bucket is not None
        self.config = config
        self.bucket_name: str = config.bucket
        self._lock = threading.Lock()

    # ------------------------------------------------------------ credentials

    @cached_property
    def key_credentials(self) -> Any:
        """Service-account credentials from the settings, or None (then ADC)."""
        from google.oauth2 import service_account

        cfg = self.config
        try:
            if cfg.credentials_json is not None:
                info = json.loads(cfg.credentials_json.get_secret_value())
                return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
            if cfg.credentials_file is not None:
                return service_account.Credentials.from_service_account_file(
                    str(cfg.credentials_file), scopes=SCOPES
                )
        except (ValueError, KeyError, OSError) as exc:
            source = "credentials_json" if cfg.credentials_json else "credentials_file"
            # The message never echoes the key itself.
            raise StorageError(
                f"gcs bucket {self.bucket_name}: could not load the service-account key from "
                f"[plugin.gcs] {source}: {type(exc).__name__}"
                + (f" ({cfg.credentials_file})" if source == "credentials_file" else "")
            ) from None
        return None

    @cached_property
    def client(self) -> Client:
        from google.cloud import storage

        with self._lock:
            cfg = self.config
            credentials = self.key_credentials
            if cfg.anonymous:
                from google.auth.credentials import AnonymousCredentials

                credentials = AnonymousCredentials()
            options = {"api_endpoint": cfg.endpoint_url} if cfg.endpoint_url else None
            try:
                return storage.Client(
                    project=cfg.project or "socialflow",
                    credentials=credentials,
                    client_options=options,
                )
            except auth_exc.DefaultCredentialsError as exc:
                raise StorageError(
                    f"gcs bucket {self.bucket_name}: no credentials: set credentials_file or "
                    f"credentials_json in [plugin.gcs], or Application Default Credentials ({exc})"
                ) from exc

    @cached_property
    def bucket(self) -> Bucket:
        return self.client.bucket(self.bucket_name)

    @property
    def where(self) -> str:
        endpoint = self.config.endpoint_url or "storage.googleapis.com"
        return f"gcs bucket {self.bucket_name} at {endpoint}"

    # ------------------------------------------------------------------- keys

    def _full(self, key: str) -> str:
        check_key(key)
        if key.split("/", 1)[0] == MULTIPART_DIR:
            raise StorageError(f"invalid storage key {key!r}")
        return self.config.prefix + key

    def _blob(self, key: str, *, upload: bool = False) -> Any:
        # chunk_size makes uploads resumable in chunks; downloads stay single requests.
        chunk_size = self.config.chunk_size if upload else None
        return self.bucket.blob(self._full(key), chunk_size=chunk_size)

    def _fail(self, exc: Exception, what: str, key: str | None = None) -> StorageError:
        if isinstance(exc, gexc.NotFound) and key is not None:
            return ObjectNotFound(key)
        message = str(exc).splitlines()[0] if str(exc) else ""
        return StorageError(f"{what} failed on {self.where}: {type(exc).__name__}: {message}")

    # ----------------------------------------------------------------- writes

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        blob = self._blob(key, upload=True)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                blob.upload_from_string(
                    bytes(data),
                    content_type=content_type or "application/octet-stream",
                    timeout=self.config.timeout,
                )
            else:
                blob.upload_from_file(
                    forward_only(data),  # full reads and tell(), which resumable uploads need
                    content_type=content_type or "application/octet-stream",
                    timeout=self.config.timeout,
                )
        except FAILURES as exc:
            raise self._fail(exc, "put") from exc
        return self.stat(key)

    def delete(self, key: str) -> None:
        try:
            self._blob(key).delete(timeout=self.config.timeout)
        except gexc.NotFound:
            return
        except FAILURES as exc:
            raise self._fail(exc, "delete") from exc

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    # ------------------------------------------------------------------ reads

    def get(self, key: str) -> bytes:
        try:
            return bytes(self._blob(key).download_as_bytes(timeout=self.config.timeout))
        except FAILURES as exc:
            raise self._fail(exc, "get", key) from exc

    def open(self, key: str, *, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        try:  # a missing key fails here, not mid-stream
            blob = self.bucket.get_blob(self._full(key), timeout=self.config.timeout)
        except FAILURES as exc:
            raise self._fail(exc, "open", key) from exc
        if blob is None:
            raise ObjectNotFound(key)
        size, generation = int(blob.size or 0), blob.generation

        def chunks() -> Iterator[bytes]:
            # Range reads pinned to one generation: an overwrite mid-stream
            # fails the read instead of splicing two versions together.
            for start in range(0, size, chunk_size):
                try:
                    yield bytes(
                        blob.download_as_bytes(
                            start=start,
                            end=min(start + chunk_size, size) - 1,
                            if_generation_match=generation,
                            checksum=None,
                            timeout=self.config.timeout,
                        )
                    )
                except FAILURES as exc:
                    raise self._fail(exc, "open", key) from exc

        return chunks()

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        try:
            return bytes(
                self._blob(key).download_as_bytes(
                    start=start, end=end, checksum=None, timeout=self.config.timeout
                )
            )
        except gexc.RequestRangeNotSatisfiable:
            return b""  # the object exists; the range starts past its end
        except FAILURES as exc:
            raise self._fail(exc, "read_range", key) from exc

    def stat(self, key: str) -> ObjectInfo:
        try:
            blob = self.bucket.get_blob(self._full(key), timeout=self.config.timeout)
        except FAILURES as exc:
            raise self._fail(exc, "stat", key) from exc
        if blob is None:
            raise ObjectNotFound(key)
        modified = blob.updated
        if modified is not None and modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)
        return ObjectInfo(
            key=key,
            size=int(blob.size or 0),
            content_type=blob.content_type,
            etag=blob.etag or (str(blob.generation) if blob.generation else None),
            modified_at=modified,
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        strip = len(self.config.prefix)
        hidden = self.config.prefix + MULTIPART_DIR + "/"
        try:
            names = [
                blob.name
                for blob in self.client.list_blobs(
                    self.bucket, prefix=self.config.prefix + prefix, timeout=self.config.timeout
                )
            ]
        except FAILURES as exc:
            raise self._fail(exc, "list") from exc
        return sorted(name[strip:] for name in names if not name.startswith(hidden))

    def signed_url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        from google.auth.credentials import Signing

        blob = self._blob(key)
        signer = self.key_credentials or self.client._credentials
        if not isinstance(signer, Signing):
            raise StorageError(
                f"{self.where}: V4 signed URLs need a service-account key "
                "(credentials_file or credentials_json in [plugin.gcs])"
            )
        extra: dict[str, Any] = {}
        if self.config.endpoint_url:
            extra["api_access_endpoint"] = self.config.endpoint_url
        if filename:
            safe = filename.replace("\\", "_").replace('"', "_")
            extra["response_disposition"] = f'attachment; filename="{safe}"'
        try:
            return str(
                blob.generate_signed_url(
                    version="v4",
                    expiration=timedelta(seconds=expires_in),
                    method="GET",
                    credentials=signer,
                    **extra,
                )
            )
        except (ValueError, auth_exc.GoogleAuthError) as exc:
            raise StorageError(f"{self.where}: cannot sign a URL: {exc}") from exc

    # -------------------------------------------------------------- multipart
    #
    # Upload ids are "<uuid>" or "<uuid>.<content type, base64>", so the
    # content type reaches the compose without a state object.

    def create_multipart(self, key: str, *, content_type: str | None = None) -> str:
        self._full(key)
        upload = uuid.uuid4().hex
        if content_type:
            upload += "." + base64.urlsafe_b64encode(content_type.encode()).decode().rstrip("=")
        return upload

    @staticmethod
    def _split_upload(upload_id: str) -> tuple[str, str | None]:
        upload, _, encoded = upload_id.partition(".")
        if len(upload) != 32 or not upload.isalnum():
            raise StorageError(f"invalid upload id {upload_id!r}")
        if not encoded:
            return upload, None
        return upload, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()

    def _parts_folder(self, upload: str) -> str:
        return f"{self.config.prefix}{MULTIPART_DIR}/{upload}/"

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        self._full(key)
        upload, _ = self._split_upload(upload_id)
        if not 1 <= part_number <= MAX_PARTS:
            raise StorageError(f"part numbers run from 1 to {MAX_PARTS}")
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read()
        part = self.bucket.blob(
            f"{self._parts_folder(upload)}{part_number:05d}", chunk_size=self.config.chunk_size
        )
        try:
            part.upload_from_string(body, timeout=self.config.timeout)
        except FAILURES as exc:
            raise self._fail(exc, "upload_part") from exc
        return UploadedPart(part_number=part_number, etag=str(part.generation), size=len(body))

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        upload, content_type = self._split_upload(upload_id)
        folder = self._parts_folder(upload)
        destination = self._blob(key)
        destination.content_type = content_type or "application/octet-stream"
        sources = [
            self.bucket.blob(f"{folder}{part.part_number:05d}")
            for part in sorted(parts, key=lambda p: p.part_number)
        ]
        if not sources:
            raise StorageError("complete_multipart needs at least one part")
        try:
            round_number = 0
            while len(sources) > COMPOSE_LIMIT:  # compose in rounds of 32
                round_number += 1
                joined = []
                for index in range(0, len(sources), COMPOSE_LIMIT):
                    step = self.bucket.blob(f"{folder}round{round_number}-{index:05d}")
                    step.compose(
                        sources[index : index + COMPOSE_LIMIT], timeout=self.config.timeout
                    )
                    joined.append(step)
                sources = joined
            destination.compose(sources, timeout=self.config.timeout)
        except gexc.NotFound as exc:
            raise StorageError(
                f"{self.where}: a part of upload {upload} was never uploaded"
            ) from exc
        except FAILURES as exc:
            raise self._fail(exc, "complete_multipart") from exc
        self._remove_parts(upload)
        return self.stat(key)

    def _remove_parts(self, upload: str) -> None:
        try:
            for blob in self.client.list_blobs(self.bucket, prefix=self._parts_folder(upload)):
                blob.delete(timeout=self.config.timeout)
        except gexc.NotFound:
            return
        except FAILURES as exc:
            raise self._fail(exc, "abort_multipart") from exc

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self._full(key)
        upload, _ = self._split_upload(upload_id)
        self._remove_parts(upload)

    # ------------------------------------------------------------------ check

    def check(self) -> str:
        """Reach the bucket, then write, read back and delete a probe object."""
        try:
            self.bucket.reload(timeout=self.config.check_timeout, retry=None)
        except gexc.NotFound as exc:
            raise StorageError(f"{self.where}: the bucket does not exist") from exc
        except (gexc.Forbidden, gexc.Unauthorized, auth_exc.RefreshError) as exc:
            raise StorageError(
                f"{self.where}: access denied ({type(exc).__name__}); check the credentials "
                "in [plugin.gcs] and the bucket's IAM"
            ) from exc
        except (http_exc.RequestException, auth_exc.TransportError) as exc:
            raise StorageError(f"{self.where} is not reachable: {type(exc).__name__}") from exc
        except gexc.GoogleAPIError as exc:
            raise self._fail(exc, "check") from exc
        probe = f"_health/{uuid.uuid4().hex}"
        try:
            self.put(probe, b"ok")
            if self.get(probe) != b"ok":
                raise StorageError(f"{self.where}: read back different bytes")
            self.delete(probe)
        except StorageError as exc:
            raise StorageError(f"{self.where} is not writable and deletable: {exc}") from exc
        prefix = f", prefix {self.config.prefix}" if self.config.prefix else ""
        return f"{self.where}{prefix} (reachable, writable, deletable)"
