"""Request and response bodies of the recommendations routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from socialflow.accounts.schemas import UserPublic
from socialflow.core.http.examples import example_of, examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import DbId
from socialflow.social.schemas import PostOut


class RecommendedPosts(BaseModel):
    model_config = examples({"items": [example_of(PostOut)], "source": "als"})

    items: list[PostOut]
    source: str = Field(
        description="Who chose them: the recommender's name, or `fallback` (trending, "
        "hashtags, newest)."
    )


class RecommendedUsers(BaseModel):
    model_config = examples({"items": [example_of(UserPublic)], "source": "fallback"})

    items: list[UserPublic]
    source: str


class FeedbackItem(StrictModel):
    post_id: DbId
    kind: Literal["watched", "skipped"]
    watch_ratio: float | None = Field(default=None, ge=0.0, le=1.0)
    surface: Literal["home", "explore", "hashtag", "profile", "for_you", "similar"] | None = None


class FeedbackIn(StrictModel):
    """What a client saw the viewer do with posts it showed (batched, at most 100)."""

    model_config = examples(
        {
            "items": [
                {"post_id": 812, "kind": "watched", "watch_ratio": 0.9, "surface": "for_you"},
                {"post_id": 815, "kind": "skipped", "watch_ratio": 0.05, "surface": "home"},
            ]
        }
    )

    items: list[FeedbackItem] = Field(min_length=1, max_length=100)


class FeedbackOut(BaseModel):
    model_config = examples({"recorded": 2})

    recorded: int = Field(description="Items recorded (those about posts the caller may see).")


class Reason(BaseModel):
    signal: str
    weight: float
    value: float


class ViralPost(BaseModel):
    model_config = examples(
        {
            "post_id": 812,
            "probability": 0.91,
            "viral": True,
            "source": "logistic",
            "reasons": [{"signal": "early_shares", "weight": 1.7, "value": 14.0}],
        }
    )

    post_id: int
    probability: float
    viral: bool
    source: str = Field(description="The viral model's name, or `heuristic`.")
    reasons: list[Reason]


class ViralList(BaseModel):
    model_config = examples({"items": [example_of(ViralPost)]})

    items: list[ViralPost]
