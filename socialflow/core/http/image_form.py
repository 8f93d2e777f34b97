"""Read an image upload (``multipart/form-data``) with a hard byte limit while it streams,
and bound how many uploads are decoded at once (:func:`decode_limiter`).

Starlette's ``request.form()`` spools every file part to disk whatever its
size before a route sees it. Image routes read the body through
:func:`read_image_form` instead: a ``Content-Length`` over the limit is
refused before a byte is read, and the stream itself is counted, so a
chunked body stops with a 413 as soon as it passes the limit. Only one file
part and a couple of small text fields are accepted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from socialflow.core.errors import Problem
from socialflow.core.imaging import invalid_image
from socialflow.core.inputs import ascii_int
from socialflow.core.platform import Platform

# Room for boundaries, part headers and the text fields next to the file.
MULTIPART_OVERHEAD = 16 * 1024
MAX_TEXT_FIELD_BYTES = 8 * 1024
MAX_TEXT_FIELDS = 2


@dataclass(frozen=True)
class ImageForm:
    """The ``file`` part's bytes and the text fields that came with it."""

    data: bytes
    fields: dict[str, str]


def _not_multipart() -> Problem:
    return Problem(
        "Send the image as multipart/form-data with a `file` part.",
        status=415,
        slug="unsupported-media-type",
        title="Unsupported media type",
    )


async def read_image_form(
    request: Request, *, limit: int, too_large: Callable[[], Problem]
) -> ImageForm:
    """The uploaded file (at most ``limit`` bytes) and text fields, or a problem.

    ``too_large()`` builds the 413 raised when the body or the file passes
    the limit; a malformed body is 400 ``invalid-multipart``; a missing
    ``file`` part is 422.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise _not_multipart()
    cap = limit + MULTIPART_OVERHEAD
    declared = ascii_int(request.headers.get("content-length"))
    if declared is not None and declared > cap:
        raise too_large()

    async def bounded() -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > cap:
                raise too_large()
            yield chunk

    parser = MultiPartParser(
        request.headers,
        bounded(),  # type: ignore[arg-type]
        max_files=1,
        max_fields=MAX_TEXT_FIELDS,
        max_part_size=MAX_TEXT_FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Problem(
            f"The multipart body is not valid: {exc.message}",
            status=400,
            slug="invalid-multipart",
            title="Invalid multipart body",
        ) from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise invalid_image("A `file` part with the image is required.", slug="file-required")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise too_large()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    finally:
        await form.close()
    return ImageForm(data=data, fields=fields)


def decode_limiter(platform: Platform) -> anyio.CapacityLimiter:
    """At most ``image_decode_concurrency`` decodes at once in this process.

    A decoded image can take ``image_max_pixels`` x 4 bytes of memory; the
    limit keeps a burst of uploads from multiplying that. Kept on the
    platform, made on first use (no import-time state).
    """
    limiter: anyio.CapacityLimiter | None = platform.__dict__.get("_socialflow_image_limiter")
    if limiter is None:
        limiter = platform.__dict__.setdefault(
            "_socialflow_image_limiter",
            anyio.CapacityLimiter(platform.settings.image_decode_concurrency),
        )
    return limiter


def image_upload_openapi(**extra_fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of an image upload: a ``file`` part, plus ``extra_fields``
    (the routes read the form themselves, so FastAPI cannot describe it)."""
    file_part = {
        "type": "string",
        "format": "binary",
        "description": "A JPEG, PNG, WebP or GIF image.",
    }
    schema = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": file_part, **extra_fields},
    }
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }
