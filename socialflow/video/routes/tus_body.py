"""Writing one tus PATCH body: streamed into a new chunk object, then committed.

The body streams from the socket into storage (through a
:class:`~socialflow.video.media.body.BodyPipe` read by the blocking storage
call in a worker thread) while the upload's lock lease is renewed; the chunk
counts only once a compare-and-set commits it, so a failed store, a checksum
mismatch or a lost lease leaves the offset where it was and nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import BinaryIO, cast

import anyio
import anyio.to_thread
from fastapi import Request

from socialflow.accounts.models import User
from socialflow.core.errors import Conflict, Problem, ServiceUnavailable
from socialflow.core.http.deps import in_session
from socialflow.core.inputs import ascii_int
from socialflow.core.platform import Platform
from socialflow.plugins.protocols import StorageError
from socialflow.video import uploads as upload_service
from socialflow.video.media.body import BodyPipe, BodyTooLarge
from socialflow.video.media.tus import CHECKSUM_MISMATCH_STATUS, Checksum
from socialflow.video.models import Upload

logger = logging.getLogger("socialflow.uploads")
_in_session = in_session


async def write_patch(
    platform: Platform,
    request: Request,
    user: User,
    upload_id: str,
    offset: int,
    checksum: Checksum | None,
) -> Upload:
    """Stream the body into a new chunk object, then commit it by compare-and-set."""
    settings = platform.settings
    storage = platform.storage
    lease = await _in_session(
        platform,
        upload_service.begin_patch,
        settings=settings,
        owner=user,
        upload_id=upload_id,
        offset=offset,
    )
    remaining = lease.length - lease.offset
    key = upload_service.chunk_key(lease.upload_id, lease.offset, lease.token)
    committed = False
    try:
        declared = request.headers.get("content-length")
        size = ascii_int(declared)
        if size is not None and size > remaining:
            raise upload_service.UploadTooLarge(
                f"The body ({declared} bytes) is longer than the {remaining} bytes left."
            )
        reader = BodyPipe(
            request.stream(), limit=remaining, hasher=checksum.hasher() if checksum else None
        )
        try:
            # A readable binary file (io.RawIOBase), which is what put() reads.
            body = cast(BinaryIO, reader)
            await _store_while_renewing(platform, lease, reader, partial(storage.put, key, body))
        except BodyTooLarge as exc:
            await anyio.to_thread.run_sync(storage.delete, key)
            raise upload_service.UploadTooLarge(str(exc)) from exc
        except (StorageError, OSError) as exc:
            logger.exception("storing a chunk of upload %s failed", upload_id)
            with contextlib.suppress(Exception):
                await anyio.to_thread.run_sync(storage.delete, key)
            raise ServiceUnavailable(
                "Storage failed while writing this chunk; nothing was committed. Retry.",
                slug="storage-unavailable",
                headers={"Retry-After": "5"},
            ) from exc
        if checksum is not None and (
            reader.disconnected
            or reader.hasher is None
            or reader.hasher.digest() != checksum.digest
        ):
            # The chunk never counted: discard it; the offset did not move.
            await anyio.to_thread.run_sync(storage.delete, key)
            raise Problem(
                "The body does not match Upload-Checksum; it was discarded.",
                status=CHECKSUM_MISMATCH_STATUS,
                slug="checksum-mismatch",
                title="Checksum mismatch",
            )
        stored_key: str | None = key
        if reader.size == 0:
            await anyio.to_thread.run_sync(storage.delete, key)
            stored_key = None
        try:
            upload = await _in_session(
                platform,
                upload_service.commit_patch,
                settings=settings,
                lease=lease,
                size=reader.size,
                key=stored_key,
            )
        except Conflict:
            if stored_key:
                await anyio.to_thread.run_sync(storage.delete, stored_key)
            raise
        committed = True
        return upload
    finally:
        if not committed:
            with anyio.CancelScope(shield=True):
                await _in_session(platform, upload_service.release_lock, lease=lease)


async def _store_while_renewing(
    platform: Platform,
    lease: upload_service.PatchLease,
    pipe: BodyPipe,
    store: Callable[[], object],
) -> None:
    """Pump the body into ``pipe`` while the blocking ``store`` reads it in a thread,
    renewing the lock lease meanwhile."""
    interval = max(1.0, platform.settings.upload_lock_seconds / 3)

    async def renew() -> None:
        while True:
            await anyio.sleep(interval)
            try:
                await _in_session(
                    platform, upload_service.renew_lock, settings=platform.settings, lease=lease
                )
            except Exception:
                # The compare-and-set on commit still protects the upload.
                logger.exception("renewing the lock of upload %s failed", lease.upload_id)

    failures: list[Exception] = []

    def run_store() -> None:
        try:
            store()
        except Exception as exc:
            failures.append(exc)  # re-raised below, outside the task group
        finally:
            pipe.stop()  # a failed store must not leave the pump waiting for room

    async with anyio.create_task_group() as group:
        group.start_soon(renew)
        group.start_soon(pipe.pump)
        try:
            await anyio.to_thread.run_sync(run_store)
        finally:
            group.cancel_scope.cancel()
    if failures:
        raise failures[0]
    if pipe.error is not None:
        raise StorageError(f"reading the request body failed: {pipe.error}")
