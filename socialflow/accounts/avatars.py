"""Avatars: decoded, bounded, re-encoded and stored through the storage backend.

Uploads are never stored as sent. :mod:`socialflow.core.imaging` sniffs and
decodes them (refusing files over ``avatar_max_bytes`` and images over
``avatar_max_pixels``, the decompression-bomb guard), the image is cropped
square, scaled to ``avatar_size`` and written out fresh as WebP: EXIF (GPS!),
ICC, XMP and any payload hidden after the image data are gone.
"""

from __future__ import annotations

import uuid

from PIL import Image, ImageOps
from sqlmodel import Session

from socialflow.accounts.models import User
from socialflow.core import imaging as images
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Problem
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import StorageBackend

CONTENT_TYPE = "image/webp"
URL_TTL_SECONDS = 24 * 3600


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


def reencode(data: bytes, settings: Settings) -> bytes:
    """Decode (:func:`socialflow.core.imaging.decode`), square-crop, scale, write WebP."""
    if len(data) > settings.avatar_max_bytes:
        raise PayloadTooLarge(f"Avatars may be at most {settings.avatar_max_bytes} bytes.")
    image = images.decode(data, max_pixels=settings.avatar_max_pixels).image
    size = settings.avatar_size
    image = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    return images.encode(image, CONTENT_TYPE)


def set_avatar(
    session: Session, settings: Settings, storage: StorageBackend, *, user: User, data: bytes
) -> str | None:
    """Store a new avatar; returns the previous key, to delete after the commit."""
    encoded = reencode(data, settings)
    key = f"avatars/{user.id}/{uuid.uuid4().hex}.webp"
    storage.put(key, encoded, content_type=CONTENT_TYPE)
    previous = user.avatar_key
    user.avatar_key = key
    user.updated_at = utcnow()
    session.add(user)
    return previous


def remove_avatar(session: Session, *, user: User) -> str | None:
    previous = user.avatar_key
    user.avatar_key = None
    user.updated_at = utcnow()
    session.add(user)
    return previous


def avatar_url(storage: StorageBackend, user: User) -> str | None:
    """A signed URL of the avatar, or ``None``."""
    return avatar_url_for_key(storage, user.avatar_key)


def avatar_url_for_key(storage: StorageBackend, avatar_key: str | None) -> str | None:
    """The same from a stored key (for Core rows that carry ``avatar_key`` only)."""
    if not avatar_key:
        return None
    return storage.signed_url(avatar_key, expires_in=URL_TTL_SECONDS)
