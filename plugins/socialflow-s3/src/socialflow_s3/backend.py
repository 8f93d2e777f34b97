"""The ``s3`` storage backend: objects in one bucket, under an optional prefix.

boto3's client is built on first use (so an installed but inactive plugin
opens no connection) and shared by threads, which boto3 clients allow.
Presigned URLs use Signature Version 4. Large file uploads and the
``create_multipart`` family use S3's native multipart upload, whose parts
(except the last) must be at least 5 MiB.
"""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart
from socialflow.plugins.storage_keys import check_key, check_range
from socialflow.plugins.streams import forward_only

from socialflow_s3.settings import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
DELETE_BATCH = 1000


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _content_disposition(filename: str) -> str:
    safe = filename.replace("\\", "_").replace('"', "_")
    return f'attachment; filename="{safe}"'


class S3Storage:
    """Media on S3. See :class:`~socialflow.plugins.protocols.StorageBackend`."""

    name = "s3"

    def __init__(self, config: S3Settings) -> None:
        config.require_usable()
        assert config.bucket is not None
        self.config = config
        self.bucket_name: str = config.bucket
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ client

    @cached_property
    def client(self) -> S3Client:
        """Built once, lazily; boto3 sessions are not thread-safe, clients are."""
        import boto3
        from botocore.config import Config

        with self._lock:
            cfg = self.config
            session = boto3.session.Session(
                aws_access_key_id=cfg.access_key_id,
                aws_secret_access_key=(
                    cfg.secret_access_key.get_secret_value() if cfg.secret_access_key else None
                ),
                aws_session_token=(
                    cfg.session_token.get_secret_value() if cfg.session_token else None
                ),
                region_name=cfg.region,
            )
            return session.client(
                "s3",
                endpoint_url=cfg.endpoint_url,
                config=Config(
                    signature_version="s3v4",
                    s3={"addressing_style": cfg.addressing_style},
                    retries={"max_attempts": cfg.max_attempts, "mode": "standard"},
                    connect_timeout=cfg.connect_timeout,
                    read_timeout=cfg.read_timeout,
                ),
            )

    @property
    def where(self) -> str:
        endpoint = self.config.endpoint_url or f"AWS {self.config.region}"
        return f"s3 bucket {self.bucket_name} at {endpoint}"

    def _full(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    def _encryption(self) -> dict[str, str]:
        extra: dict[str, str] = {}
        if self.config.server_side_encryption:
            extra["ServerSideEncryption"] = self.config.server_side_encryption
        if self.config.sse_kms_key_id:
            extra["SSEKMSKeyId"] = self.config.sse_kms_key_id
        return extra

    def _fail(self, exc: Exception, what: str, key: str | None = None) -> StorageError:
        """Translate botocore's errors; missing objects become ObjectNotFound."""
        if isinstance(exc, ClientError) and _code(exc) in NOT_FOUND_CODES and key is not None:
            return ObjectNotFound(key)
        detail = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return StorageError(f"{what} failed on {self.where}: {detail}: {exc}")

    # ------------------------------------------------------------------ writes

    def put(
        self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None
    ) -> ObjectInfo:
        full = self._full(key)
        extra: dict[str, Any] = self._encryption()
        if content_type:
            extra["ContentType"] = content_type
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(Bucket=self.bucket_name, Key=full, Body=bytes(data), **extra)
            else:
                from boto3.s3.transfer import TransferConfig

                threshold = self.config.multipart_threshold
                # Full reads: boto3 takes a short first read of a non-seekable
                # stream for "small" and slurps the rest into one PutObject.
                self.client.upload_fileobj(
                    forward_only(data),
                    self.bucket_name,
                    full,
                    ExtraArgs=extra,
                    Config=TransferConfig(
                        multipart_threshold=threshold, multipart_chunksize=threshold
                    ),
                )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "put") from exc
        return self.stat(key)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket_name, Key=self._full(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "delete") from exc

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": self.config.prefix + k} for k in keys[start : start + DELETE_BATCH]]
            try:
                answer = self.client.delete_objects(
                    Bucket=self.bucket_name, Delete={"Objects": batch, "Quiet": True}
                )
            except (ClientError, BotoCoreError) as exc:
                raise self._fail(exc, "delete_prefix") from exc
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise StorageError(
                    f"delete_prefix on {self.where}: {first.get('Key')}: {first.get('Message')}"
                )
        return len(keys)

    # ------------------------------------------------------------------- reads

    def _get_object(self, key: str, **extra: Any) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket_name, Key=self._full(key), **extra)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "get", key) from exc

    def get(self, key: str) -> bytes:
        body = self._get_object(key)["Body"]
        with body:
            return bytes(body.read())

    def open(self, key: str, *, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        body = self._get_object(key)["Body"]  # missing keys fail here, not mid-stream

        def chunks() -> Iterator[bytes]:
            with body:
                yield from body.iter_chunks(chunk_size)

        return chunks()

    def read_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        wanted = f"bytes={start}-{'' if end is None else end}"
        try:
            answer = self.client.get_object(
                Bucket=self.bucket_name, Key=self._full(key), Range=wanted
            )
        except ClientError as exc:
            if _code(exc) == "InvalidRange":  # the object exists; the range starts past its end
                return b""
            raise self._fail(exc, "read_range", key) from exc
        except BotoCoreError as exc:
            raise self._fail(exc, "read_range", key) from exc
        with answer["Body"] as body:
            return bytes(body.read())

    def stat(self, key: str) -> ObjectInfo:
        try:
            head = self.client.head_object(Bucket=self.bucket_name, Key=self._full(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "stat", key) from exc
        return ObjectInfo(
            key=key,
            size=int(head["ContentLength"]),
            content_type=head.get("ContentType"),
            etag=str(head.get("ETag", "")).strip('"') or None,
            modified_at=head.get("LastModified"),
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        strip = len(self.config.prefix)
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket_name, Prefix=self.config.prefix + prefix
            )
            for page in pages:
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "list") from exc
        return sorted(keys)

    def signed_url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket_name, "Key": self._full(key)}
        if filename:
            params["ResponseContentDisposition"] = _content_disposition(filename)
        try:
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=expires_in
                )
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "signed_url") from exc

    # --------------------------------------------------------------- multipart

    def create_multipart(self, key: str, *, content_type: str | None = None) -> str:
        extra: dict[str, Any] = self._encryption()
        if content_type:
            extra["ContentType"] = content_type
        try:
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket_name, Key=self._full(key), **extra
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "create_multipart") from exc
        return str(answer["UploadId"])

    def upload_part(
        self, key: str, upload_id: str, part_number: int, data: bytes | BinaryIO
    ) -> UploadedPart:
        if not 1 <= part_number <= 10_000:
            raise StorageError("S3 part numbers run from 1 to 10000")
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read()
        try:
            answer = self.client.upload_part(
                Bucket=self.bucket_name,
                Key=self._full(key),
                UploadId=upload_id,
                PartNumber=part_number,
                Body=io.BytesIO(body),
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "upload_part", f"multipart upload {upload_id}") from exc
        return UploadedPart(
            part_number=part_number, etag=str(answer["ETag"]).strip('"'), size=len(body)
        )

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> ObjectInfo:
        ordered = sorted(parts, key=lambda part: part.part_number)
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket_name,
                Key=self._full(key),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"ETag": f'"{p.etag}"', "PartNumber": p.part_number} for p in ordered]
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "complete_multipart", f"multipart upload {upload_id}") from exc
        return self.stat(key)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket_name, Key=self._full(key), UploadId=upload_id
            )
        except ClientError as exc:
            if _code(exc) not in NOT_FOUND_CODES:  # already gone is what we wanted
                raise self._fail(exc, "abort_multipart") from exc
        except BotoCoreError as exc:
            raise self._fail(exc, "abort_multipart") from exc

    # ------------------------------------------------------------------- check

    def check(self) -> str:
        """Reach the bucket, then write, read back and delete a probe object."""
        try:
            self.client.head_bucket(Bucket=self.bucket_name)
        except ClientError as exc:
            code = _code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise StorageError(f"{self.where}: the bucket does not exist") from exc
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise StorageError(
                    f"{self.where}: access denied ({code}); check the credentials in "
                    "[plugin.s3] and the bucket policy"
                ) from exc
            raise self._fail(exc, "check") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{self.where} is not reachable: {exc}") from exc
        probe = f"_health/{uuid.uuid4().hex}"
        try:
            self.put(probe, b"ok")
            if self.get(probe) != b"ok":
                raise StorageError(f"{self.where}: read back different bytes")
            self.delete(probe)
        except StorageError as exc:
            raise StorageError(f"{self.where} is not writable and deletable: {exc}") from exc
        prefix = f", prefix {self.config.prefix}" if self.config.prefix else ""
        encryption = (
            f", {self.config.server_side_encryption} encryption"
            if self.config.server_side_encryption
            else ""
        )
        return f"{self.where}{prefix}{encryption} (reachable, writable, deletable)"
