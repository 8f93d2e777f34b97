"""The OpenAPI description of the tus routes: the headers they read and answer with.

tus speaks in headers (``Tus-Resumable``, ``Upload-Offset``, ``Upload-Length``,
``Upload-Checksum``...) that the handlers read from the raw request, so
FastAPI cannot see them: each route's ``openapi_extra`` comes from here.
"""

from __future__ import annotations

from typing import Any

from socialflow.core.http.openapi import docs_link
from socialflow.core.inputs import MAX_BIGINT
from socialflow.video.media.tus import (
    CHECKSUM_ALGORITHMS,
    MAX_METADATA_LENGTH,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
)


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
        "externalDocs": docs_link("video.md#tus-server", "The tus 1.0 protocol as served here"),
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


CREATE_OPENAPI = _tus_openapi(
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
HEAD_OPENAPI = _tus_openapi(
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
PATCH_OPENAPI = _tus_openapi(
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
DELETE_OPENAPI = _tus_openapi(204, "The upload and its bytes are gone.", ("Tus-Resumable",))
