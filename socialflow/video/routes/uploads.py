"""tus 1.0 at ``/uploads/``: core, creation, creation-with-upload, termination,
checksum and expiration (https://tus.io/protocols/resumable-upload).

The handlers are ``async`` so a PATCH body streams from the socket straight
into the storage backend (through :class:`~socialflow.video.media.body.AsyncBodyReader`
in a worker thread) without being held in memory; every database step is a
short session in a thread, so a long upload holds no database connection.
Upload state lives in the database (:mod:`socialflow.video.uploads`),
bytes in storage: any API process can serve any PATCH, before or after a restart.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, BinaryIO, TypeVar, cast

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from socialflow.accounts.deps import DetachedUser
from socialflow.accounts.models import User
from socialflow.core.errors import Conflict, Problem, ServiceUnavailable
from socialflow.core.http.deps import PlatformDep, in_session
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import streams_body
from socialflow.core.http.types import ObjectKey
from socialflow.core.inputs import MAX_BIGINT, ascii_int
from socialflow.core.platform import Platform
from socialflow.plugins.protocols import StorageError
from socialflow.video import uploads as upload_service
from socialflow.video.media.body import BodyPipe, BodyTooLarge
from socialflow.video.media.tus import (
    CHECKSUM_ALGORITHMS,
    CHECKSUM_MISMATCH_STATUS,
    MAX_METADATA_LENGTH,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    Checksum,
    TusError,
    http_date,
    options_headers,
    parse_checksum,
    parse_offset,
)
from socialflow.video.models import Upload

T = TypeVar("T")
logger = logging.getLogger("socialflow.uploads")


class TusRoute(APIRoute):
    """Adds ``Tus-Resumable`` to every response of the tus routes, errors included."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except Problem as exc:
                exc.headers.setdefault("Tus-Resumable", TUS_VERSION)
                raise
            response.headers.setdefault("Tus-Resumable", TUS_VERSION)
            return response

        return handler


router = APIRouter(prefix="/uploads", tags=["uploads"], route_class=TusRoute)


def _header(
    name: str, description: str, *, required: bool = False, **schema: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


_TUS_RESUMABLE = _header(
    "Tus-Resumable", "The tus version the client speaks.", required=True, enum=[TUS_VERSION]
)
_UPLOAD_CHECKSUM = _header(
    "Upload-Checksum",
    f"`<algorithm> <base64 digest>` of this request's body ({', '.join(CHECKSUM_ALGORITHMS)}).",
)
_OFFSET_BODY = {
    "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}
}
_INTEGER_HEADER = {"schema": {"type": "integer", "minimum": 0, "maximum": MAX_BIGINT}}
_RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "Tus-Resumable": {"description": "The tus version.", "schema": {"type": "string"}},
    "Upload-Offset": {"description": "Bytes received so far.", **_INTEGER_HEADER},
    "Upload-Length": {"description": "The declared size of the upload.", **_INTEGER_HEADER},
    "Upload-Expires": {
        "description": "When an unfinished upload is deleted (an HTTP date).",
        "schema": {"type": "string"},
    },
    "Upload-Metadata": {
        "description": "The metadata given at creation.",
        "schema": {"type": "string"},
    },
    "Video-Id": {"description": "The video this upload becomes.", "schema": {"type": "string"}},
    "Location": {"description": "The upload's URL.", "schema": {"type": "string"}},
}


def _tus_openapi(
    status: int,
    description: str,
    response_headers: tuple[str, ...],
    parameters: tuple[dict[str, Any], ...] = (),
    body: bool = False,
) -> dict[str, Any]:
    """``openapi_extra`` of a tus route (FastAPI cannot see the headers it reads)."""
    extra: dict[str, Any] = {
        "parameters": [_TUS_RESUMABLE, *parameters],
        "responses": {
            str(status): {
                "description": description,
                "headers": {name: _RESPONSE_HEADERS[name] for name in response_headers},
            }
        },
    }
    if body:
        extra["requestBody"] = {"required": False, **_OFFSET_BODY}
    return extra


_CREATE_OPENAPI = _tus_openapi(
    201,
    "Created; with a body (creation-with-upload), its bytes are stored.",
    ("Tus-Resumable", "Location", "Upload-Offset", "Upload-Length", "Upload-Expires", "Video-Id"),
    (
        _header(
            "Upload-Length",
            "The size of the whole file, in bytes.",
            required=True,
            pattern="^[0-9]{1,19}$",
        ),
        _header(
            "Upload-Metadata",
            "Comma-separated `key base64value` pairs: filename, filetype, title, visibility.",
            maxLength=MAX_METADATA_LENGTH,
        ),
        _UPLOAD_CHECKSUM,
    ),
    body=True,
)
_HEAD_OPENAPI = _tus_openapi(
    200,
    "Where to resume.",
    (
        "Tus-Resumable",
        "Upload-Offset",
        "Upload-Length",
        "Upload-Expires",
        "Upload-Metadata",
        "Video-Id",
    ),
)
_PATCH_OPENAPI = _tus_openapi(
    204,
    "The body was appended.",
    ("Tus-Resumable", "Upload-Offset", "Upload-Length", "Upload-Expires", "Video-Id"),
    (
        _header(
            "Upload-Offset",
            "The offset this body starts at: the upload's current offset.",
            required=True,
            pattern="^[0-9]{1,19}$",
        ),
        _UPLOAD_CHECKSUM,
    ),
    body=True,
)
_DELETE_OPENAPI = _tus_openapi(204, "The upload and its bytes are gone.", ("Tus-Resumable",))
_TUS_PROBLEMS = (400, 412)


def _bad_request(detail: str) -> Problem:
    return Problem(detail, status=400, slug="tus-invalid-request", title="Invalid tus request")


# The caller, loaded in a short session of its own (PATCHes may last minutes).
UploadUser = DetachedUser


def _require_tus(request: Request) -> None:
    version = request.headers.get("tus-resumable")
    if version != TUS_VERSION:
        raise Problem(
            f"Tus-Resumable must be {TUS_VERSION} (got {version!r}).",
            status=412,
            slug="tus-version-unsupported",
            title="Unsupported tus version",
            headers={"Tus-Version": TUS_VERSION},
        )


_in_session = in_session


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Video-Id": upload.video_id,
        "Cache-Control": "no-store",
    }
    if upload.metadata_header:
        headers["Upload-Metadata"] = upload.metadata_header
    if upload.completed_at is None:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    return headers


@router.options("", include_in_schema=False)
@router.options("/", include_in_schema=False)
@router.options("/{upload_id}", include_in_schema=False)
def tus_options(platform: PlatformDep) -> Response:
    """Capabilities; no auth, so CORS preflights and discovery work."""
    return Response(status_code=204, headers=options_headers(platform.settings.upload_max_size))


@router.post("", include_in_schema=False)
@router.post(
    "/",
    status_code=201,
    name="tus_create",
    openapi_extra=_CREATE_OPENAPI,
    responses=problems(*_TUS_PROBLEMS, 413, 415, CHECKSUM_MISMATCH_STATUS, 503),
)
@streams_body
async def create_upload(request: Request, user: UploadUser, platform: PlatformDep) -> Response:
    """tus creation (and creation-with-upload when a body comes with it).

    The response carries ``Location``, ``Upload-Expires`` and ``Video-Id``.
    """
    _require_tus(request)
    if request.headers.get("upload-defer-length") is not None:
        raise _bad_request("Upload-Defer-Length is not supported; send Upload-Length.")
    try:
        length = parse_offset(request.headers.get("upload-length"), "Upload-Length")
        checksum = parse_checksum(request.headers.get("upload-checksum"))
    except TusError as exc:
        raise _bad_request(str(exc)) from exc
    settings = platform.settings
    metadata = request.headers.get("upload-metadata")

    def create(*, session: Any) -> Upload:
        upload = upload_service.create_upload(
            session=session, settings=settings, owner=user, length=length, metadata_header=metadata
        )
        session.commit()
        session.refresh(upload)
        return upload

    upload = await _in_session(platform, create)
    has_body = (ascii_int(request.headers.get("content-length")) or 0) > 0 or (
        request.headers.get("transfer-encoding", "").lower() == "chunked"
    )
    if has_body:
        if request.headers.get("content-type") != OFFSET_CONTENT_TYPE:
            raise Problem(
                f"A creation-with-upload body needs Content-Type {OFFSET_CONTENT_TYPE}.",
                status=415,
                slug="tus-content-type",
            )
        upload = await _write(platform, request, user, upload.id, 0, checksum)
    location = str(request.url_for("tus_upload", upload_id=upload.id))
    headers = {"Location": location, **_upload_headers(upload)}
    headers.pop("Cache-Control")
    return Response(status_code=201, headers=headers)


@router.head(
    "/{upload_id}",
    name="tus_upload",
    openapi_extra=_HEAD_OPENAPI,
    responses=problems(*_TUS_PROBLEMS, 410),
)
async def head_upload(
    upload_id: ObjectKey, request: Request, user: UploadUser, platform: PlatformDep
) -> Response:
    """Where to resume: ``Upload-Offset``, never cached."""
    _require_tus(request)
    upload = await _in_session(platform, upload_service.get_upload, owner=user, upload_id=upload_id)
    return Response(status_code=200, headers=_upload_headers(upload))


@router.patch(
    "/{upload_id}",
    status_code=204,
    openapi_extra=_PATCH_OPENAPI,
    responses=problems(*_TUS_PROBLEMS, 409, 410, 413, 415, 423, CHECKSUM_MISMATCH_STATUS, 503),
)
@streams_body
async def patch_upload(
    upload_id: ObjectKey, request: Request, user: UploadUser, platform: PlatformDep
) -> Response:
    """Append the body at ``Upload-Offset`` (409 if it is not the current offset)."""
    _require_tus(request)
    if request.headers.get("content-type") != OFFSET_CONTENT_TYPE:
        raise Problem(
            f"PATCH needs Content-Type {OFFSET_CONTENT_TYPE}.",
            status=415,
            slug="tus-content-type",
            title="Unsupported media type",
        )
    try:
        offset = parse_offset(request.headers.get("upload-offset"))
        checksum = parse_checksum(request.headers.get("upload-checksum"))
    except TusError as exc:
        raise _bad_request(str(exc)) from exc
    upload = await _write(platform, request, user, upload_id, offset, checksum)
    headers = _upload_headers(upload)
    headers.pop("Cache-Control")
    return Response(status_code=204, headers=headers)


@router.delete(
    "/{upload_id}",
    status_code=204,
    openapi_extra=_DELETE_OPENAPI,
    responses=problems(*_TUS_PROBLEMS, 410, 423),
)
async def terminate_upload(
    upload_id: ObjectKey, request: Request, user: UploadUser, platform: PlatformDep
) -> Response:
    """tus termination: the upload, its bytes and its unfinished video are gone."""
    _require_tus(request)
    await _in_session(
        platform,
        upload_service.terminate_upload,
        storage=platform.storage,
        owner=user,
        upload_id=upload_id,
    )
    return Response(status_code=204)


@router.post("/{upload_id}", include_in_schema=False)
@streams_body
async def method_override(
    upload_id: ObjectKey, request: Request, user: UploadUser, platform: PlatformDep
) -> Response:
    """``X-HTTP-Method-Override: PATCH|DELETE`` on a POST, for clients behind
    proxies that only pass GET and POST (tus core: servers SHOULD support it)."""
    override = request.headers.get("x-http-method-override", "").upper()
    if override == "PATCH":
        return await patch_upload(upload_id, request, user, platform)
    if override == "DELETE":
        return await terminate_upload(upload_id, request, user, platform)
    raise Problem(
        "POST to an upload needs X-HTTP-Method-Override: PATCH or DELETE.",
        status=405,
        slug="method-not-allowed",
        headers={"Allow": "HEAD, PATCH, DELETE, OPTIONS"},
    )


async def _write(
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
