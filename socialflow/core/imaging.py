"""Untrusted images in, clean images out: sniff, decode safely, strip, re-encode.

Shared by avatars (:mod:`socialflow.accounts.avatars`) and post images
(:mod:`socialflow.social.images`). An upload is never stored as sent:

* the type comes from the first bytes (magic numbers), never from the file
  name or the ``Content-Type`` the client claims; anything but JPEG, PNG,
  WebP or GIF is refused (415) before Pillow looks at it, and Pillow is then
  told to use that one decoder only, so no exotic parser ever runs;
* the pixel count is checked from the header before any pixel is decoded
  (the decompression-bomb guard), and Pillow's own bomb warning is an error;
* the EXIF orientation is applied, then the pixels are copied into a new
  image, so EXIF (GPS!), XMP, ICC, comments and bytes hidden after the image
  data never reach storage.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from socialflow.core.errors import Problem, ValidationProblem

# Pillow format name -> the content type we store it under when kept as is.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class UnsupportedImageType(Problem):
    status, slug, title = 415, "unsupported-image-type", "Unsupported image type"


class ImageTooLarge(Problem):
    status, slug, title = 413, "image-too-large", "Image too large"


def sniff(head: bytes) -> str | None:
    """The Pillow format name of ``head`` from its magic number, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def invalid_image(message: str, *, slug: str = "invalid-image") -> ValidationProblem:
    """A 422 naming the ``file`` field (the shape clients already get for avatars)."""
    return ValidationProblem(
        message,
        slug=slug,
        errors=[{"field": "file", "message": message, "code": slug.replace("-", "_")}],
    )


@dataclass(frozen=True)
class Decoded:
    """A decoded first frame, upright, with no metadata attached."""

    image: Image.Image
    format: str  # the sniffed Pillow format name

    @property
    def has_alpha(self) -> bool:
        return self.image.mode in ("RGBA", "LA")


def decode(data: bytes, *, max_pixels: int) -> Decoded:
    """Decode ``data`` (first frame of an animation), EXIF-rotated, as RGB or RGBA.

    Raises :class:`UnsupportedImageType` (415) for anything that is not one
    of the accepted formats and a 422 for a damaged file or one with more
    than ``max_pixels`` pixels.
    """
    kind = sniff(data[:16])
    if kind is None:
        raise UnsupportedImageType("Only JPEG, PNG, WebP and GIF images are accepted.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as probe:
                if probe.width * probe.height > max_pixels:
                    raise invalid_image(
                        f"The image has more than {max_pixels} pixels.",
                        slug="image-too-many-pixels",
                    )
                probe.seek(0)
                upright = ImageOps.exif_transpose(probe)
                upright.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise invalid_image(
            f"The image has more than {max_pixels} pixels.", slug="image-too-many-pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise invalid_image("The file is not an image we can read.") from exc
    alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if alpha else "RGB")
    # A new image object carries no info/exif; encoders are given none either.
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return Decoded(image=clean, format=kind)


def fit_within(image: Image.Image, long_edge: int) -> Image.Image:
    """A copy no longer than ``long_edge`` on either side (never enlarged)."""
    if max(image.size) <= long_edge:
        return image
    copy = image.copy()
    copy.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    return copy


def encode(image: Image.Image, content_type: str) -> bytes:
    """Encode ``image`` as ``content_type`` (JPEG, PNG or WebP) with no metadata."""
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    elif content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    elif content_type == "image/webp":
        image.save(out, format="WEBP", quality=85, method=4)
    else:  # pragma: no cover - callers pass one of the three
        raise ValueError(f"cannot encode {content_type}")
    return out.getvalue()


def stored_type(decoded: Decoded) -> str:
    """What a decoded upload is stored as: JPEG and WebP stay, PNG and GIF become PNG.

    GIFs keep their first frame only; PNG keeps it lossless (screenshots,
    text). Alpha forces PNG for a (rare) JPEG source, which has none anyway.
    """
    if decoded.format == "JPEG" and not decoded.has_alpha:
        return "image/jpeg"
    if decoded.format == "WEBP":
        return "image/webp"
    return "image/png"
