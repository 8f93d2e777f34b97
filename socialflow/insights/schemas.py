"""Bodies of the insight and suggestion routes, with their OpenAPI examples."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from socialflow.core.http.examples import examples
from socialflow.core.http.schemas import StrictModel
from socialflow.core.http.types import SafeText


class SentimentShares(BaseModel):
    positive: float
    neutral: float
    negative: float


class CommentSentiment(BaseModel):
    """How the comments on one post or video feel, by VADER's compound score."""

    model_config = examples(
        {
            "target_type": "post",
            "target_id": "1001",
            "analyzed": 120,
            "positive": 81,
            "neutral": 27,
            "negative": 12,
            "shares": {"positive": 0.675, "neutral": 0.225, "negative": 0.1},
            "mean_compound": 0.3412,
            "model": "vader-3.3.2",
        }
    )

    target_type: str
    target_id: str
    analyzed: int
    positive: int
    neutral: int
    negative: int
    shares: SentimentShares
    mean_compound: float
    model: str


class TagRequest(StrictModel):
    model_config = examples(
        {"text": "Sunrise ride down the ridge on the new mountain bike", "exclude": ["mtb"]}
    )

    text: SafeText = Field(min_length=1, max_length=5000)
    exclude: list[str] = Field(default_factory=list, max_length=30, description="Tags to skip.")


class Keyword(BaseModel):
    keyword: str
    relevance: float


class TagSuggestion(BaseModel):
    tag: str
    keyword: str
    relevance: float
    post_count: int
    match: Literal["exact", "similar", "new"] = Field(
        description="`exact`: the keyword's own tag is in use; `similar`: a tag in use that "
        "the platform's text embedder finds close to the keyword; `new`: nobody uses it yet."
    )
    similarity: float | None = Field(
        default=None, description="The cosine of keyword and tag, for `similar` matches."
    )


class TagSuggestions(BaseModel):
    """Hashtags for a draft: ``hashtags`` are in use already, ``new`` are not yet.

    ``hashtags`` are most relevant keyword first, an exact match before a
    similar one of equal relevance; similar matches come only when a text
    embedder is installed.
    """

    model_config = examples(
        {
            "keywords": [
                {"keyword": "mountain bike", "relevance": 0.9512},
                {"keyword": "ridge", "relevance": 0.9011},
            ],
            "hashtags": [
                {
                    "tag": "mountainbike",
                    "keyword": "mountain bike",
                    "relevance": 0.9512,
                    "post_count": 42,
                    "match": "exact",
                    "similarity": None,
                },
                {
                    "tag": "ridge",
                    "keyword": "ridge",
                    "relevance": 0.9011,
                    "post_count": 3,
                    "match": "exact",
                    "similarity": None,
                },
                {
                    "tag": "cycling",
                    "keyword": "sunrise ride",
                    "relevance": 0.88,
                    "post_count": 1250,
                    "match": "similar",
                    "similarity": 0.6412,
                },
            ],
            "new": [
                {
                    "tag": "sunriseride",
                    "keyword": "sunrise ride",
                    "relevance": 0.88,
                    "post_count": 0,
                    "match": "new",
                    "similarity": None,
                }
            ],
        }
    )

    keywords: list[Keyword]
    hashtags: list[TagSuggestion]
    new: list[TagSuggestion]
