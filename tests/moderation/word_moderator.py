"""A deterministic moderator for the core tests (no model libraries): ``words``.

Texts with "heck" are held, with "forbiddenword" rejected; images whose
average red is above 200 are held (the video tests draw red frames).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from socialflow.plugins.protocols import ModerationVerdict
from socialflow.plugins.specs import hookimpl


class WordModerator:
    name = "words"
    version = "7"

    def check_text(self, text: str, *, context: Mapping[str, Any]) -> ModerationVerdict:
        folded = text.casefold()
        if "forbiddenword" in folded:
            return ModerationVerdict("reject", 1.0, ("word_list",), "contains 'forbiddenword'")
        if "heck" in folded:
            return ModerationVerdict("hold", 0.8, ("profanity",), "contains 'heck'")
        return ModerationVerdict("allow", 0.1)

    def check_image(self, image: bytes, *, context: Mapping[str, Any]) -> ModerationVerdict:
        from PIL import Image, ImageStat

        with Image.open(io.BytesIO(image)) as decoded:
            red = ImageStat.Stat(decoded.convert("RGB")).mean[0]
        if red > 200:
            return ModerationVerdict("hold", 0.9, ("nsfw",), "too red")
        return ModerationVerdict("allow", 0.05)


@hookimpl
def socialflow_moderators() -> dict[str, object]:
    return {"words": lambda settings: WordModerator()}
