"""Avatars: decoded, bounded, re-encoded and stored through the storage backend.

Uploads are never stored as sent. Pillow decodes them (refusing files over
``avatar_max_bytes`` and images over ``avatar_max_pixels``, the
decompression-bomb guard), the image is cropped square, scaled to
``avatar_size`` and written out fresh as WebP: EXIF (GPS!), ICC, XMP and any
payload hidden after the image data are gone.
"""

from __future__ import annotations

import io
import uuid
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session

from socialflow.errors import Problem, ValidationProblem
from socialflow.models.base import utcnow
from socialflow.models.user import User
from socialflow.settings import Settings

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
CONTENT_TYPE = "image/webp"
URL_TTL_SECONDS = 24 * 3600


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


def reencode(data: bytes, settings: Settings) -> bytes:
    """Decode, square-crop, scale and re-encode as WebP without metadata."""
    if len(data) > settings.avatar_max_bytes:
        raise PayloadTooLarge(f"Avatars may be at most {settings.avatar_max_bytes} bytes.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _invalid(f"{probe.format} images are not accepted.")
                if probe.width * probe.height > settings.avatar_max_pixels:
                    raise _invalid("The image has too many pixels.")
                probe.seek(0)  # first frame of an animation
                image = ImageOps.exif_transpose(probe)
                image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, ValueError) as exc:
        raise _invalid("The file is not an image we can read.") from exc
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    size = settings.avatar_size
    image = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image object carries no info/exif; save() is given none.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def _invalid(message: str) -> ValidationProblem:
    return ValidationProblem(
        message, errors=[{"field": "file", "message": message, "code": "invalid_image"}]
    )


def set_avatar(
    session: Session, settings: Settings, storage: object, *, user: User, data: bytes
) -> str | None:
    """Store a new avatar; returns the previous key, to delete after the commit."""
    encoded = reencode(data, settings)
    key = f"avatars/{user.id}/{uuid.uuid4().hex}.webp"
    storage.put(key, encoded, content_type=CONTENT_TYPE)  # type: ignore[attr-defined]
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


def avatar_url(storage: object, user: User) -> str | None:
    """A signed URL of the avatar, or ``None``."""
    return avatar_url_for_key(storage, user.avatar_key)


def avatar_url_for_key(storage: object, avatar_key: str | None) -> str | None:
    """The same from a stored key (for Core rows that carry ``avatar_key`` only)."""
    if not avatar_key:
        return None
    return storage.signed_url(avatar_key, expires_in=URL_TTL_SECONDS)  # type: ignore[attr-defined]
