"""The moderator conformance suite.

Subclass :class:`ModeratorConformance`, provide ``moderator``, and set
``harmful_text`` to something your model must not simply allow. For
``check_media`` provide the ``media_sample`` fixture: ``(storage_key, kind)``
of a stored object the moderator can read (most need the platform's storage).
"""

from __future__ import annotations

import pytest

from socialflow.plugins.protocols import ModerationVerdict, Moderator

ACTIONS = ("allow", "flag", "block")


class ModeratorConformance:
    """Behaviour every moderator must show."""

    benign_text: str = "What a lovely sunset at the beach today, thanks for sharing!"
    #: Text this moderator must flag or block.
    harmful_text: str = "I will kill you, you worthless idiot"

    @pytest.fixture
    def moderator(self) -> Moderator:
        """Override: return the moderator under test."""
        pytest.fail(f"{type(self).__name__} must define a `moderator` fixture")

    @pytest.fixture
    def media_sample(self) -> tuple[str, str]:
        """Override: ``(storage_key, kind)`` of a stored image or video to check."""
        pytest.fail(f"{type(self).__name__} must define a `media_sample` fixture")

    @staticmethod
    def assert_well_formed(verdict: object) -> ModerationVerdict:
        assert isinstance(verdict, ModerationVerdict)
        assert verdict.action in ACTIONS
        assert 0.0 <= verdict.score <= 1.0, "scores are probabilities in [0, 1]"
        assert isinstance(verdict.labels, tuple)
        assert all(isinstance(label, str) and label for label in verdict.labels)
        return verdict

    def test_has_a_name(self, moderator: Moderator) -> None:
        assert isinstance(moderator.name, str)
        assert moderator.name

    def test_benign_text_is_allowed(self, moderator: Moderator) -> None:
        verdict = self.assert_well_formed(moderator.check_text(self.benign_text, context={}))
        assert verdict.action == "allow"

    def test_harmful_text_is_not_allowed(self, moderator: Moderator) -> None:
        verdict = self.assert_well_formed(moderator.check_text(self.harmful_text, context={}))
        assert verdict.action in ("flag", "block")
        assert verdict.labels or verdict.reason, "say why content was not allowed"
        benign = moderator.check_text(self.benign_text, context={})
        assert verdict.score > benign.score

    def test_is_deterministic(self, moderator: Moderator) -> None:
        context = {"kind": "post", "author_id": "u1"}
        assert moderator.check_text(self.harmful_text, context=context) == moderator.check_text(
            self.harmful_text, context=context
        )

    def test_edge_texts(self, moderator: Moderator) -> None:
        for text in ("", " ", "👍" * 500, "x" * 20_000, "Ünïcödé ẞ 中文 العربية"):
            self.assert_well_formed(moderator.check_text(text, context={}))

    def test_check_media(self, moderator: Moderator, media_sample: tuple[str, str]) -> None:
        key, kind = media_sample
        self.assert_well_formed(moderator.check_media(key, kind=kind))
