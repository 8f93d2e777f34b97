"""The ``ml`` moderator passes socialflow's moderator conformance suite, with real models."""

from __future__ import annotations

import pytest
from helpers import skin_image
from socialflow.testing.conformance import ModeratorConformance

from socialflow_moderation_ml import MlModerator, ModerationMlSettings


class TestMlModerator(ModeratorConformance):
    harmful_image = skin_image()

    @pytest.fixture
    def moderator(self) -> MlModerator:
        return MlModerator(ModerationMlSettings())
