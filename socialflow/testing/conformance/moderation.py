"""The moderator conformance suite.

Subclass :class:`ModeratorConformance` and provide ``moderator``; set
``harmful_text`` to something your model must not simply allow. Image checks
run on a plain landscape the suite draws (``benign_image``); override
``harmful_image`` with bytes of an image your model must not allow to test
that side too (a moderator without an image model may leave it None).
"""

from __future__ import annotations

import io
import threading

import pytest

from socialflow.plugins.protocols import BatchModerator, ModerationVerdict, Moderator

ACTIONS = ("allow", "hold", "reject")


def landscape_jpeg(width: int = 320, height: int = 240) -> bytes:
    """A plain sky-over-grass picture: what any image model must allow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (90, 150, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(40, 140, 60))
    draw.ellipse((width - 80, 20, width - 30, 70), fill=(250, 230, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


class ModeratorConformance:
    """Behaviour every moderator must show."""

    benign_text: str = "What a lovely sunset at the beach today, thanks for sharing!"
    #: Text this moderator must hold or reject.
    harmful_text: str = "I will kill you, you worthless idiot"
    #: Bytes of an image this moderator must hold or reject (None: not tested).
    harmful_image: bytes | None = None

    @pytest.fixture
    def moderator(self) -> Moderator:
        """Override: return the moderator under test."""
        pytest.fail(f"{type(self).__name__} must define a `moderator` fixture")

    @pytest.fixture
    def benign_image(self) -> bytes:
        return landscape_jpeg()

    @staticmethod
    def assert_well_formed(verdict: object) -> ModerationVerdict:
        assert isinstance(verdict, ModerationVerdict)
        assert verdict.action in ACTIONS
        assert 0.0 <= verdict.score <= 1.0, "scores are probabilities in [0, 1]"
        assert isinstance(verdict.labels, tuple)
        assert all(isinstance(label, str) and label for label in verdict.labels)
        return verdict

    def test_has_a_name_and_version(self, moderator: Moderator) -> None:
        assert isinstance(moderator.name, str)
        assert moderator.name
        assert isinstance(moderator.version, str)
        assert moderator.version, "verdicts are stored with the model's version"

    def test_benign_text_is_allowed(self, moderator: Moderator) -> None:
        verdict = self.assert_well_formed(moderator.check_text(self.benign_text, context={}))
        assert verdict.action == "allow"

    def test_harmful_text_is_not_allowed(self, moderator: Moderator) -> None:
        verdict = self.assert_well_formed(moderator.check_text(self.harmful_text, context={}))
        assert verdict.action in ("hold", "reject")
        assert verdict.labels or verdict.reason, "say why content was not allowed"
        benign = moderator.check_text(self.benign_text, context={})
        assert verdict.score > benign.score

    def test_is_deterministic(self, moderator: Moderator) -> None:
        context = {"kind": "post", "author_id": 1}
        assert moderator.check_text(self.harmful_text, context=context) == moderator.check_text(
            self.harmful_text, context=context
        )

    def test_edge_texts(self, moderator: Moderator) -> None:
        for text in ("", " ", "👍" * 500, "x" * 20_000, "Ünïcödé ẞ 中文 العربية"):
            self.assert_well_formed(moderator.check_text(text, context={}))

    def test_benign_image_is_allowed(self, moderator: Moderator, benign_image: bytes) -> None:
        verdict = self.assert_well_formed(
            moderator.check_image(benign_image, context={"kind": "image"})
        )
        assert verdict.action == "allow"

    def test_harmful_image_is_not_allowed(self, moderator: Moderator, benign_image: bytes) -> None:
        if self.harmful_image is None:
            # Nothing harmful declared: a video frame of the benign picture is allowed too.
            frame = moderator.check_image(benign_image, context={"kind": "video"})
            assert self.assert_well_formed(frame).action == "allow"
            return
        verdict = self.assert_well_formed(
            moderator.check_image(self.harmful_image, context={"kind": "image"})
        )
        assert verdict.action in ("hold", "reject")
        benign = moderator.check_image(benign_image, context={"kind": "image"})
        assert verdict.score > benign.score

    def test_batch_matches_single(self, moderator: Moderator, benign_image: bytes) -> None:
        """``check_images`` (optional; the platform checks one by one without it) answers
        what ``check_image`` answers, in order."""
        if not isinstance(moderator, BatchModerator):
            assert callable(moderator.check_image)
            return
        images = [benign_image, *([self.harmful_image] if self.harmful_image else [])]
        batch = moderator.check_images(images, context={"kind": "video"})
        single = [moderator.check_image(i, context={"kind": "video"}) for i in images]
        assert [v.action for v in batch] == [v.action for v in single]

    def test_safe_from_threads(self, moderator: Moderator) -> None:
        expected = moderator.check_text(self.harmful_text, context={})
        seen: list[ModerationVerdict] = []

        def check() -> None:
            seen.append(moderator.check_text(self.harmful_text, context={}))

        threads = [threading.Thread(target=check) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert seen == [expected] * 4
