"""socialflow-moderation-ml: offline moderation models (text, images, video frames)."""

from socialflow_moderation_ml.moderator import MlModerator
from socialflow_moderation_ml.settings import ModerationMlSettings

__all__ = ["MlModerator", "ModerationMlSettings"]
