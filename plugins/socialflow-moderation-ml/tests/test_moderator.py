"""The ``ml`` moderator's decisions: thresholds on both sides, the operator's rules."""

from __future__ import annotations

import pytest
from helpers import skin_image

from socialflow_moderation_ml import MlModerator, ModerationMlSettings
from socialflow_moderation_ml.images import nsfw_scores

PROFANE = "you are a fucking idiot"
CLEAN = "Great ride, thanks for sharing the trail!"


def moderator(**settings: object) -> MlModerator:
    return MlModerator(ModerationMlSettings.model_validate(settings))


def test_profanity_is_held_and_clean_text_allowed() -> None:
    ml = moderator()
    held = ml.check_text(PROFANE, context={"kind": "comment"})
    assert (held.action, held.labels) == ("hold", ("profanity",))
    assert held.score > 0.9
    allowed = ml.check_text(CLEAN, context={"kind": "comment"})
    assert allowed.action == "allow"
    assert allowed.score < 0.2
    assert held.model == allowed.model == "ml"
    assert held.model_version == ml.version


def test_a_reject_threshold_rejects_above_it() -> None:
    verdict = moderator(profanity_reject=0.9).check_text(PROFANE, context={})
    assert verdict.action == "reject"


def test_word_lists_and_patterns() -> None:
    ml = moderator(
        reject_words=["spamcoin"],
        hold_words=["crypto giveaway"],
        reject_patterns=[r"bit\.ly/\w+"],
    )
    assert ml.check_text("Buy SPAMCOIN now", context={}).action == "reject"
    assert ml.check_text("spamcoins are fine", context={}).action == "allow", "whole words only"
    assert ml.check_text("see bit.ly/abc", context={}).labels == ("word_list",)
    held = ml.check_text("Huge Crypto Giveaway today", context={})
    assert (held.action, held.reason) == ("hold", "contains 'Crypto Giveaway'")


def test_bad_patterns_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a regular expression"):
        ModerationMlSettings(hold_patterns=["(unclosed"])


def test_the_nsfw_threshold_decides_both_ways() -> None:
    image = skin_image()
    [score] = nsfw_scores([image])
    assert score is not None
    assert score > 0.8, "the test image must score high for this test to mean anything"
    assert moderator().check_image(image, context={}).action == "hold"
    assert moderator(nsfw_hold=score + 0.01).check_image(image, context={}).action == "allow"
    assert moderator(nsfw_reject=score - 0.01).check_image(image, context={}).action == "reject"


def test_the_version_names_the_models_and_the_settings() -> None:
    plain, strict = moderator(), moderator(nsfw_hold=0.3)
    assert "+apc" in plain.version
    assert "+nsfw" in plain.version
    assert plain.version != strict.version
    assert len(plain.version) <= 64


def test_unreadable_bytes_are_held_not_crashed() -> None:
    verdict = moderator().check_image(b"not an image", context={})
    assert (verdict.action, verdict.labels) == ("hold", ("unreadable_image",))
