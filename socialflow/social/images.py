"""Post images: upload (clean re-encode + thumbnail), attach to posts, hydrate, sweep.

The flow is Mastodon's: a client uploads each image first and gets an id,
then names up to ``post_max_images`` ids in ``POST /posts`` (or ``PATCH``).
Attaching is one conditional ``UPDATE`` per image (``owner_id`` = caller and
not attached elsewhere), so an id of someone else's image, or one another
post took a moment earlier, is refused without a lock and without telling
whose it is. Reads load the images of a whole page of posts in one query.

Image URLs are storage signed URLs (``media_url_expires``), handed out only
inside posts the viewer may see: the bytes are not listed anywhere else, and
a link dies when it expires.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select, update
from sqlmodel import Session

from socialflow.core import imaging as codec
from socialflow.core.db.base import utcnow
from socialflow.core.errors import Conflict, NotFound, ValidationProblem
from socialflow.core.inputs import TEXT_RULE, has_forbidden_chars
from socialflow.core.settings import Settings
from socialflow.plugins.protocols import StorageBackend
from socialflow.social.models import MAX_ALT_LENGTH, MediaImage

if TYPE_CHECKING:
    from socialflow.core.db.sqlutil import DB
    from socialflow.core.platform import Platform

logger = logging.getLogger("socialflow.images")
IMAGES = MediaImage.__table__  # type: ignore[attr-defined]
KEY_PREFIX = "post-images"
THUMBNAIL_TYPE = "image/webp"


class ImageNotFound(NotFound):
    slug = "image-not-found"


# -------------------------------------------------------------------- upload


def check_alt(alt: str | None) -> str:
    """Alt text, stripped; at most :data:`MAX_ALT_LENGTH` characters (422 otherwise)."""
    text = (alt or "").strip()
    if has_forbidden_chars(text):
        raise ValidationProblem(
            f"alt: {TEXT_RULE}",
            errors=[{"field": "alt", "message": TEXT_RULE, "code": "value_error"}],
        )
    if len(text) > MAX_ALT_LENGTH:
        raise ValidationProblem(
            f"alt: at most {MAX_ALT_LENGTH} characters",
            errors=[
                {
                    "field": "alt",
                    "message": f"at most {MAX_ALT_LENGTH} characters",
                    "code": "too_long",
                }
            ],
        )
    return text


def upload_image(
    *,
    session: Session,
    settings: Settings,
    storage: StorageBackend,
    owner_id: int,
    data: bytes,
    alt: str | None = None,
) -> MediaImage:
    """Decode, strip, re-encode and store an image and its thumbnail; commit the row.

    Commits: the objects are written before the row and deleted again if
    the commit fails, so the row and its objects succeed or fail together; a
    caller's later commit could not undo the stored bytes. Objects are
    written before the row; a failure leaves neither a row without objects
    nor (normally) objects without a row.
    """
    text = check_alt(alt)
    if len(data) > settings.image_max_bytes:
        raise codec.ImageTooLarge(f"Images may be at most {settings.image_max_bytes} bytes.")
    decoded = codec.decode(data, max_pixels=settings.image_max_pixels)
    content_type = codec.stored_type(decoded)
    full = codec.fit_within(decoded.image, settings.image_max_edge)
    thumb = codec.fit_within(full, settings.image_thumbnail_edge)
    image_id = uuid.uuid4().hex
    ext = codec.EXTENSIONS[content_type]
    image = MediaImage(
        id=image_id,
        owner_id=owner_id,
        storage_key=f"{KEY_PREFIX}/{image_id}/original.{ext}",
        thumbnail_key=f"{KEY_PREFIX}/{image_id}/thumbnail.webp",
        content_type=content_type,
        width=full.width,
        height=full.height,
        thumbnail_width=thumb.width,
        thumbnail_height=thumb.height,
        size=0,
        alt=text,
    )
    encoded = codec.encode(full, content_type)
    image.size = len(encoded)
    try:
        storage.put(image.storage_key, encoded, content_type=content_type)
        storage.put(
            image.thumbnail_key, codec.encode(thumb, THUMBNAIL_TYPE), content_type=THUMBNAIL_TYPE
        )
        session.add(image)
        session.commit()
    except BaseException:
        session.rollback()
        delete_objects(storage, [image.storage_key, image.thumbnail_key])
        raise
    session.refresh(image)
    return image


def delete_objects(storage: StorageBackend, keys: Iterable[str]) -> None:
    """Delete stored objects; a failure is logged (an orphan), never raised."""
    for key in keys:
        try:
            storage.delete(key)
        except Exception:
            logger.warning("could not delete stored object %s", key, exc_info=True)


# -------------------------------------------------------------------- attach


def check_image_ids(settings: Settings, image_ids: Sequence[Any]) -> list[str]:
    """Distinct ids, in order, at most ``post_max_images`` of them (422 otherwise)."""
    ids = [str(i) for i in image_ids]
    if len(set(ids)) != len(ids):
        raise ValidationProblem("image_ids: an image can be attached once.", slug="duplicate-image")
    if len(ids) > settings.post_max_images:
        raise ValidationProblem(
            f"image_ids: at most {settings.post_max_images} images per post.",
            slug="too-many-images",
            errors=[
                {
                    "field": "image_ids",
                    "message": f"at most {settings.post_max_images}",
                    "code": "too_many",
                }
            ],
        )
    return ids


def no_mixed_media(video_id: Any, image_ids: Sequence[str]) -> None:
    """A post carries a video or images, never both (as on Mastodon)."""
    if video_id and image_ids:
        raise ValidationProblem("A post can carry a video or images, not both.", slug="mixed-media")


def attach_images(
    session: Session, *, owner_id: int, post_id: int, image_ids: Sequence[str]
) -> None:
    """Give ``post_id`` exactly these images, in this order (owner's own only).

    Each image must belong to ``owner_id`` and be unattached or already on
    this post; anything else is 404 ``image-not-found`` (whose it is stays
    unsaid). Images the post had and no longer names become unattached, for
    the sweep. Runs inside the caller's transaction: an error rolls it all back.
    """
    for position, image_id in enumerate(image_ids):
        if not isinstance(image_id, str) or not image_id or len(image_id) > 32:
            raise ImageNotFound(f"No such image: {image_id!r}.")
        moved = session.execute(
            update(IMAGES)
            .where(
                IMAGES.c.id == image_id,
                IMAGES.c.owner_id == owner_id,
                or_(IMAGES.c.post_id.is_(None), IMAGES.c.post_id == post_id),
            )
            .values(post_id=post_id, position=position)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise ImageNotFound(f"No such image: {image_id!r}.")
    dropped = [IMAGES.c.post_id == post_id]
    if image_ids:
        dropped.append(IMAGES.c.id.not_in(list(image_ids)))
    session.execute(update(IMAGES).where(and_(*dropped)).values(post_id=None, position=0))


def image_ids_of(session: Session, post_id: int) -> list[str]:
    """The ids of a post's images, in order."""
    rows = session.execute(
        select(IMAGES.c.id).where(IMAGES.c.post_id == post_id).order_by(IMAGES.c.position)
    )
    return [row[0] for row in rows]


# ---------------------------------------------------------------------- read


def to_public(storage: StorageBackend, expires: int, image: Any) -> dict[str, Any]:
    """The public image shape of a row (ORM or Core): signed URLs, size, alt."""
    return {
        "id": image.id,
        "url": storage.signed_url(image.storage_key, expires_in=expires),
        "width": image.width,
        "height": image.height,
        "thumbnail_url": storage.signed_url(image.thumbnail_key, expires_in=expires),
        "thumbnail_width": image.thumbnail_width,
        "thumbnail_height": image.thumbnail_height,
        "alt": image.alt,
        "content_type": image.content_type,
    }


def images_by_post(
    platform: Platform, session: DB, post_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """The public images of the given posts, by post id, in order: one query for the page.

    The caller has already decided the viewer may see these posts.
    """
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(IMAGES)
        .where(IMAGES.c.post_id.in_(ids))
        .order_by(IMAGES.c.post_id, IMAGES.c.position)
    )
    storage = platform.storage
    expires = platform.settings.media_url_expires
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(to_public(storage, expires, row))
    return found


def get_own_image(session: Session, *, owner_id: int, image_id: str) -> MediaImage:
    """One of the caller's images; anyone else's, or a missing one, is 404."""
    image = session.get(MediaImage, image_id) if len(image_id) <= 32 else None
    if image is None or image.owner_id != owner_id:
        raise ImageNotFound("No such image.")
    return image


def delete_unattached(session: Session, *, owner_id: int, image_id: str) -> list[str]:
    """Delete the row of one of the caller's images that no post uses (409 if a post does).

    Returns the storage keys of its objects: the caller commits, then hands
    them to :func:`delete_objects`, so a failed commit never leaves a row
    pointing at deleted bytes.
    """
    image = get_own_image(session, owner_id=owner_id, image_id=image_id)
    removed = session.execute(
        delete(IMAGES).where(IMAGES.c.id == image.id, IMAGES.c.post_id.is_(None))
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("A post uses this image; edit the post instead.", slug="image-attached")
    return [image.storage_key, image.thumbnail_key]


# --------------------------------------------------------------------- sweep


def sweep_unattached(
    *,
    session: Session,
    storage: StorageBackend,
    settings: Settings,
    now: datetime | None = None,
    batch: int = 500,
) -> int:
    """Delete images no post took within ``image_unattached_seconds`` (rows, then objects).

    Commits: the batch of rows is committed before its objects are deleted
    (a bulk job that pairs each commit with storage deletions), so a crash
    can leave an orphan object but never a row pointing at nothing.
    Each row goes by a conditional ``DELETE ... WHERE post_id IS NULL``, so an
    image attached while the sweep runs is kept; objects are deleted after
    the commit, so a failure can leave an orphan object but never a row
    pointing at nothing.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=settings.image_unattached_seconds)
    candidates = session.execute(
        select(IMAGES.c.id, IMAGES.c.storage_key, IMAGES.c.thumbnail_key)
        .where(IMAGES.c.post_id.is_(None), IMAGES.c.created_at < cutoff)
        .limit(batch)
    ).all()
    keys: list[str] = []
    for row in candidates:
        removed = session.execute(
            delete(IMAGES).where(IMAGES.c.id == row.id, IMAGES.c.post_id.is_(None))
        )
        if removed.rowcount == 1:  # type: ignore[attr-defined]
            keys += [row.storage_key, row.thumbnail_key]
    session.commit()
    delete_objects(storage, keys)
    return len(keys) // 2


def screening_copies(
    session: Session, storage: StorageBackend, image_ids: Sequence[str]
) -> list[bytes]:
    """JPEG copies of the named images' thumbnails, for the moderation model (which
    takes JPEG or PNG); images that are not there are skipped (attaching them 404s)."""
    import io

    from PIL import Image

    keys = session.execute(
        select(IMAGES.c.thumbnail_key).where(IMAGES.c.id.in_(list(image_ids)))
    ).scalars()
    copies = []
    for key in keys:
        with Image.open(io.BytesIO(storage.get(key))) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=90)
            copies.append(out.getvalue())
    return copies
