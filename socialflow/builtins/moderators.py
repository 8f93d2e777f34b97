"""The built-in ``none`` moderator: allows everything, records nothing.

It is the default (``moderation = "none"``), so a platform without a
moderation model runs exactly as before: every check answers ``allow`` and
the platform stores no verdict for it (no model looked at anything).
Install a moderation plugin (``socialflow-moderation-ml``) and name it in
``moderation`` to have content checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import ModerationVerdict
from socialflow.plugins.specs import hookimpl

NONE = "none"


class PassThroughModerator:
    """Allows every text and image."""

    name = NONE
    version = "1"

    def check_text(self, text: str, *, context: Mapping[str, Any]) -> ModerationVerdict:
        return ModerationVerdict("allow", 0.0, model=self.name, model_version=self.version)

    def check_image(self, image: bytes, *, context: Mapping[str, Any]) -> ModerationVerdict:
        return ModerationVerdict("allow", 0.0, model=self.name, model_version=self.version)


def make_none(settings: Settings) -> PassThroughModerator:
    return PassThroughModerator()


@hookimpl
def socialflow_moderators() -> dict[str, object]:
    return {NONE: make_none}
