"""The ``azure`` storage backend: block blobs in one container.

The SDK client is built on first use and shared by threads. Parts of a
multipart upload are staged as uncommitted blocks (``Put Block``) and made
visible all at once by ``Put Block List``, so readers never see a partial
blob. Signed URLs are blob SAS tokens with read permission only, signed with
the account key.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.storage_keys import check_key, check_range

from socialflow_azure.settings import AzureSettings

if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient, ContainerClient

MAX_BLOCKS = 50_000


def _block_id(upload: str, part_number: int) -> str:
    """Block ids of one blob must all have the same length: fixed-width numbers."""
    return base64.b64encode(f"{upload}:{part_number:05d}".encode()).decode()


class AzureBlobStorage:
    """Media on Azure Blob Storage. See :class:`~socialflow.plugins.protocols.StorageBackend`."""

    name = "azure"

    def __init__(self, config: AzureSettings) -> None:
        config.require_usable()
        assert config.container is not None
        self.config = config
        self.container_name: str = config.container
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ client

    @cached_property
    def service(self) -> BlobServiceClient:
        from azure.storage.blob import BlobServiceClient

        cfg = self.config
        options: dict[str, Any] = {
            "retry_total": cfg.max_attempts - 1,
            "connection_timeout": cfg.connect_timeout,
            "read_timeout": cfg.read_timeout,
            "max_block_size": cfg.block_size,
            "max_single_put_size": cfg.block_size,
        }
        with self._lock:
            if cfg.connection_string is not None:
                return BlobServiceClient.from_connection_string(
                    cfg.connection_string.get_secret_value(), **options
                )
            # Both are set: the settings model refuses anything else.
            assert cfg.account_name is not None
            assert cfg.account_key is not None
            url = cfg.account_url or f"https://{cfg.account_name}.blob.core.windows.net"
            return BlobServiceClient(
                url,
                credential={
                    "account_name": cfg.account_name,
                    "account_key": cfg.account_key.get_secret_value(),
                },
                **options,
            )

    @cached_property
    def container(self) -> ContainerClient:
        return self.service.get_container_client(self.container_name)

    @property
    def where(self) -> str:
        endpoint = self.service.primary_endpoint.rstrip("/")
        return f"azure container {self.container_name} at {endpoint}"

    def _full(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    def _blob(self, key: str) -> Any:
        return self.container.get_blob_client(self._full(key))

    def _fail(self, exc: Exception, what: str, key: str | None = None) -> StorageError:
        if isinstance(exc, ResourceNotFoundError) and key is not None:
            return ObjectNotFound(key)
        code = getattr(exc, "error_code", None) or type(exc).__name__
        message = str(exc).splitlines()[0] if str(exc) else ""
        return StorageError(f"{what} failed on {self.where}: {code}: {message}")

    # ------------------------------------------------------------------ writes

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        from azure.storage.blob import ContentSettings

        blob = self._blob(key)
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data
        try:
            blob.upload_blob(
                body,
                overwrite=True,
                content_settings=ContentSettings(content_type=content_type),
                max_concurrency=self.config.max_concurrency,
            )
        except AzureError as exc:
            raise self._fail(exc, "put") from exc
        return self.stat(key)

    def delete(self, key: str) -> None:
        try:
            self._blob(key).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise self._fail(exc, "delete") from exc

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    # ------------------------------------------------------------------- reads

    def _download(self, key: str, offset: int | None = None, length: int | None = None) -> Any:
        try:
            return self._blob(key).download_blob(offset=offset, length=length)
        except AzureError as exc:
            raise self._fail(exc, "get", key) from exc

    def get(self, key: str) -> bytes:
        try:
            return bytes(self._download(key).readall())
        except AzureError as exc:
            raise self._fail(exc, "get", key) from exc

    def open(self, key: str, *, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        downloader = self._download(key)  # a missing key fails here, not mid-stream

        def chunks() -> Iterator[bytes]:
            # The SDK's chunks are its own size; hand them out as the caller asked.
            pending = b""
            for piece in downloader.chunks():
                pending += piece
                while len(pending) >= chunk_size:
                    yield pending[:chunk_size]
                    pending = pending[chunk_size:]
            if pending:
                yield pending

        return chunks()

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        length = None if end is None else end - start + 1
        try:
            return bytes(self._blob(key).download_blob(offset=start, length=length).readall())
        except ResourceNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except HttpResponseError as exc:
            if exc.status_code == 416:  # the blob exists; the range starts past its end
                return b""
            raise self._fail(exc, "read_range", key) from exc
        except AzureError as exc:
            raise self._fail(exc, "read_range", key) from exc

    def stat(self, key: str) -> ObjectInfo:
        try:
            props = self._blob(key).get_blob_properties()
        except AzureError as exc:
            raise self._fail(exc, "stat", key) from exc
        modified = props.last_modified
        if modified is not None and modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)
        return ObjectInfo(
            key=key,
            size=int(props.size),
            content_type=props.content_settings.content_type,
            etag=str(props.etag).strip('"') or None,
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
        try:
            names = self.container.list_blob_names(name_starts_with=self.config.prefix + prefix)
            return sorted(name[strip:] for name in names)
        except AzureError as exc:
            raise self._fail(exc, "list") from exc

    def signed_url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        blob = self._blob(key)
        credential = self.service.credential
        account_key = getattr(credential, "account_key", None)
        if account_key is None:
            raise StorageError(f"{self.where}: signed URLs need the account key")
        now = datetime.now(UTC)
        disposition = None
        if filename:
            safe = filename.replace("\\", "_").replace('"', "_")
            disposition = f'attachment; filename="{safe}"'
        token = generate_blob_sas(
            account_name=str(self.service.account_name),
            container_name=self.container_name,
            blob_name=blob.blob_name,
            account_key=account_key,
            permission=BlobSasPermissions(read=True),
            start=now - timedelta(minutes=5),  # tolerate clock skew
            expiry=now + timedelta(seconds=expires_in),
            content_disposition=disposition,
        )
        return f"{blob.url}?{token}"

    # --------------------------------------------------------------- multipart
    #
    # An upload id is "<uuid>" or "<uuid>.<content type, base64>": Azure keeps
    # no state for an upload besides its uncommitted blocks, so the content
    # type travels in the id to the commit.

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
        padded = encoded + "=" * (-len(encoded) % 4)
        return upload, base64.urlsafe_b64decode(padded).decode()

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        upload, _ = self._split_upload(upload_id)
        if not 1 <= part_number <= MAX_BLOCKS:
            raise StorageError(f"Azure part numbers run from 1 to {MAX_BLOCKS}")
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read()
        block_id = _block_id(upload, part_number)
        try:
            self._blob(key).stage_block(block_id, body, length=len(body))
        except AzureError as exc:
            raise self._fail(exc, "upload_part") from exc
        return UploadedPart(part_number=part_number, etag=block_id, size=len(body))

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        from azure.storage.blob import BlobBlock, ContentSettings

        upload, content_type = self._split_upload(upload_id)
        ordered = sorted(parts, key=lambda part: part.part_number)
        for part in ordered:
            if part.etag != _block_id(upload, part.part_number):
                raise StorageError(f"part {part.part_number} does not belong to upload {upload}")
        try:
            self._blob(key).commit_block_list(
                [BlobBlock(block_id=part.etag) for part in ordered],
                content_settings=ContentSettings(content_type=content_type),
            )
        except AzureError as exc:
            raise self._fail(exc, "complete_multipart") from exc
        return self.stat(key)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Nothing to call: Azure discards uncommitted blocks on the blob's next
        commit, or after a week. They are never visible as an object."""
        self._split_upload(upload_id)
        self._full(key)

    # ------------------------------------------------------------------- check

    def check(self) -> str:
        """Reach the container, then write, read back and delete a probe blob."""
        try:
            self.container.get_container_properties()
        except ResourceNotFoundError as exc:
            raise StorageError(f"{self.where}: the container does not exist") from exc
        except ServiceRequestError as exc:
            raise StorageError(f"{self.where} is not reachable: {exc}") from exc
        except HttpResponseError as exc:
            if isinstance(exc, ClientAuthenticationError) or exc.status_code in (401, 403):
                error_code = getattr(exc, "error_code", None)
                code = getattr(error_code, "value", error_code) or exc.status_code
                raise StorageError(
                    f"{self.where}: access denied ({code}); check connection_string or "
                    "account_name/account_key in [plugin.azure]"
                ) from exc
            raise self._fail(exc, "check") from exc
        except AzureError as exc:
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
