"""The ``[plugin.moderation_ml]`` settings section: thresholds, word lists, rules."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

SECTION = "moderation_ml"


class ModerationMlSettings(BaseModel):
    """Where the models' scores turn into holds and rejects, and the operator's own rules.

    Scores are probabilities in [0, 1]. A threshold of None switches that
    outcome off (by default the models only hold, and people decide). Word
    lists match whole words, case-insensitively; patterns are Python regular
    expressions (case-insensitive) and are checked when the platform starts.
    Raising or lowering a threshold changes the moderator's ``version``, so
    stored verdicts say under which settings they were given.
    """

    model_config = ConfigDict(extra="forbid")

    profanity_hold: float | None = Field(default=0.7, ge=0, le=1)
    profanity_reject: float | None = Field(default=None, ge=0, le=1)
    nsfw_hold: float | None = Field(default=0.6, ge=0, le=1)
    nsfw_reject: float | None = Field(default=None, ge=0, le=1)
    reject_words: list[str] = Field(default_factory=list)
    hold_words: list[str] = Field(default_factory=list)
    reject_patterns: list[str] = Field(default_factory=list)
    hold_patterns: list[str] = Field(default_factory=list)
    max_text_chars: int = Field(
        default=5000, ge=100, le=100_000, description="Longer texts are scored on their start."
    )
    threads: int = Field(default=1, ge=1, le=16, description="onnxruntime threads per model.")

    @field_validator("reject_patterns", "hold_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from exc
        return patterns
