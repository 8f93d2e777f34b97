"""socialflow-moderation-ml: offline moderation models (text, images, video frames).

The names below are imported on first use: socialflow loads this package to
find its hooks for every command (``socialflow --help`` included), and the
models' libraries (Pillow, onnxruntime, scikit-learn) are not for that.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialflow_moderation_ml.moderator import MlModerator
    from socialflow_moderation_ml.settings import ModerationMlSettings

__all__ = ["MlModerator", "ModerationMlSettings"]
_WHERE = {
    "MlModerator": "socialflow_moderation_ml.moderator",
    "ModerationMlSettings": "socialflow_moderation_ml.settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
