"""``GET /media/{key}``: objects of the app-served storage backend, by signed URL.

The ``local`` backend's ``signed_url`` points here. The URL's HMAC covers
key, expiry and download name, so nothing else is reachable and links die
on time. Responses stream from the backend (never whole in memory), honour
a single HTTP ``Range``, and are safe to open in a browser: the
``Content-Type`` comes from an allow-list by extension (never from the
upload), ``nosniff`` is always set, and anything that is not audio, video,
an image or a playlist is served as an ``attachment``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from socialflow.core.errors import NotFound, Problem
from socialflow.core.http.deps import PlatformDep
from socialflow.core.http.openapi import problems
from socialflow.core.http.types import Expiry, SafeText
from socialflow.core.signing import check_media_signature
from socialflow.plugins.protocols import ObjectNotFound, StorageBackend, StorageError

router = APIRouter(tags=["media"])

READ_CHUNK = 1024 * 1024
# Types we let a browser render inline. Everything else is an attachment.
INLINE_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "video/webm",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".vtt": "text/vtt; charset=utf-8",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _content_type(key: str) -> tuple[str, bool]:
    """(type, inline?) from the key's extension only."""
    name = key.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot > 0 else ""
    if ext in INLINE_TYPES:
        return INLINE_TYPES[ext], True
    return "application/octet-stream", False


def _disposition(inline: bool, filename: str | None, key: str) -> str:
    name = _SAFE_FILENAME.sub("_", filename or key.rsplit("/", 1)[-1])[:150] or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


def _ranged(storage: StorageBackend, key: str, start: int, end: int) -> Iterator[bytes]:
    position = start
    while position <= end:
        last = min(end, position + READ_CHUNK - 1)
        data = storage.read_range(key, position, last)
        if not data:
            return
        yield data
        position += len(data)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=`` range as (start, end) inclusive; None when it cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    if match.group(1):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
    else:
        length = int(match.group(2))
        if length == 0:
            return None
        start, end = max(0, size - length), size - 1
    end = min(end, size - 1)
    if start > end or start >= size:
        return None
    return start, end


@router.get(
    "/media/{key:path}",
    name="media",
    response_class=Response,
    responses={
        200: {
            "description": "The object's bytes (a `Range` request gets 206).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        **problems(416),
    },
)
def serve_media(
    key: SafeText,
    request: Request,
    platform: PlatformDep,
    expires: Expiry | None = None,
    sig: SafeText | None = None,
    filename: SafeText | None = None,
) -> Response:
    secret = platform.settings.secret()
    if not check_media_signature(secret, key, expires, sig, filename):
        # Same answer for a bad signature and a missing object: nothing to probe.
        raise NotFound("This media link is invalid or expired.", slug="media-not-found")
    storage: StorageBackend = platform.storage
    try:
        info = storage.stat(key)
    except (ObjectNotFound, StorageError) as exc:
        raise NotFound("This media link is invalid or expired.", slug="media-not-found") from exc
    content_type, inline = _content_type(key)
    headers = {
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": _disposition(inline, filename, key),
        "Cache-Control": "private, max-age=3600",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if info.etag:
        headers["ETag"] = f'"{info.etag}"'
    range_header = request.headers.get("range")
    if range_header and info.size > 0:
        span = parse_range(range_header, info.size)
        if span is None:
            raise Problem(
                "The requested range is outside the object.",
                status=416,
                slug="range-not-satisfiable",
                headers={"Content-Range": f"bytes */{info.size}"},
            )
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
        headers["Content-Length"] = str(end - start + 1)
        return StreamingResponse(
            _ranged(storage, key, start, end),
            status_code=206,
            media_type=content_type,
            headers=headers,
        )
    headers["Content-Length"] = str(info.size)
    return StreamingResponse(
        storage.open(key, chunk_size=READ_CHUNK), media_type=content_type, headers=headers
    )
