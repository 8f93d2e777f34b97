"""A thumbnail the owner uploads, in place of the frames made at transcoding.

The upload goes through :mod:`socialflow.core.imaging` like avatars and post
images: the type is sniffed from the first bytes (never the file name or the
claimed ``Content-Type``), the pixel count is checked before any pixel is
decoded, and the picture is re-encoded as a fresh JPEG, so EXIF (GPS),
comments and trailing bytes never reach storage. It is stored through the
active storage backend under the video's own prefix (``videos/<id>/cover/``),
so deleting or purging the video removes it with the rest, and it survives
reprocessing (a new HLS or CMAF attempt keeps it as the thumbnail).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core import imaging as codec
from socialflow.core.db.base import utcnow
from socialflow.core.effects import record_event
from socialflow.core.errors import Conflict
from socialflow.core.indexing import queue_video
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import StorageBackend
from socialflow.video.models import Video, VideoStatus

CONTENT_TYPE = "image/jpeg"
# Long edge of a stored cover: enough for a 1080p poster, small enough for feeds.
MAX_EDGE = 1920


def cover_prefix(video_id: str) -> str:
    return f"videos/{video_id}/cover/"


def is_cover(video: Video, key: str | None) -> bool:
    """Whether ``key`` is one of ``video``'s uploaded covers (not a generated frame)."""
    return bool(key) and str(key).startswith(cover_prefix(video.id))


def encode_cover(data: bytes, settings: Settings) -> bytes:
    """The upload decoded safely and re-encoded as a metadata-free JPEG (415/422 otherwise)."""
    decoded = codec.decode(data, max_pixels=settings.image_max_pixels)
    return codec.encode(codec.fit_within(decoded.image, MAX_EDGE), CONTENT_TYPE)


def set_cover(
    *,
    session: Session,
    settings: Settings,
    storage: StorageBackend,
    video: Video,
    owner: User,
    data: bytes,
) -> str | None:
    """Make the uploaded image ``video``'s thumbnail; returns the key it replaces when
    that was an earlier cover (to delete after the caller's commit).

    The object is written before the row changes; if the caller's commit fails
    it is an orphan under the video's prefix, removed with the video.
    """
    if video.status != VideoStatus.ready.value:
        raise Conflict("The video is not ready yet.", slug="video-not-ready")
    encoded = encode_cover(data, settings)
    key = f"{cover_prefix(video.id)}{uuid.uuid4().hex}.jpg"
    storage.put(key, encoded, content_type=CONTENT_TYPE)
    previous = video.thumbnail_key if is_cover(video, video.thumbnail_key) else None
    video.thumbnail_key = key
    video.thumbnail_choice = None
    video.updated_at = utcnow()
    session.add(video)
    record_event(
        session, "video_updated", video_id=video.id, owner_id=owner.id, fields=["thumbnail_key"]
    )
    queue_video(session, video.id)
    return previous
