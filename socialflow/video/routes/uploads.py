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

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from socialflow.accounts.deps import DetachedUser
from socialflow.core.errors import Problem
from socialflow.core.http.deps import PlatformDep, in_session
from socialflow.core.http.openapi import problems
from socialflow.core.http.route_marks import streams_body
from socialflow.core.http.types import ObjectKey
from socialflow.core.inputs import ascii_int
from socialflow.video import uploads as upload_service
from socialflow.video.media.tus import (
    CHECKSUM_MISMATCH_STATUS,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    TusError,
    http_date,
    options_headers,
    parse_checksum,
    parse_offset,
)
from socialflow.video.models import Upload
from socialflow.video.routes.tus_body import write_patch
from socialflow.video.routes.tus_openapi import (
    CREATE_OPENAPI,
    DELETE_OPENAPI,
    HEAD_OPENAPI,
    PATCH_OPENAPI,
)

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
    response_class=Response,
    openapi_extra=CREATE_OPENAPI,
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
        upload = await write_patch(platform, request, user, upload.id, 0, checksum)
    location = str(request.url_for("tus_upload", upload_id=upload.id))
    headers = {"Location": location, **_upload_headers(upload)}
    headers.pop("Cache-Control")
    return Response(status_code=201, headers=headers)


@router.head(
    "/{upload_id}",
    name="tus_upload",
    response_class=Response,
    openapi_extra=HEAD_OPENAPI,
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
    openapi_extra=PATCH_OPENAPI,
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
    upload = await write_patch(platform, request, user, upload_id, offset, checksum)
    headers = _upload_headers(upload)
    headers.pop("Cache-Control")
    return Response(status_code=204, headers=headers)


@router.delete(
    "/{upload_id}",
    status_code=204,
    openapi_extra=DELETE_OPENAPI,
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
