"""The learning part of the plugin contract: trainable rankers, recommenders, viral models,
text embedders.

Kept beside :mod:`socialflow.plugins.protocols` rather than inside it so the
core contract stays readable for plugin authors who never train anything. A
model plugin (``socialflow-ml``) implements these protocols; the
recommendations app gathers training data from its logs, hands it over as the
plain values below, and falls back to heuristics when no model is installed
or trained. Nothing here imports numpy or any learning library: data crosses
the boundary as Python values, and a plugin converts it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from socialflow.plugins.protocols import FeedCandidate, FeedContext, Ranker

# ------------------------------------------------------------------ rankers


@dataclass(frozen=True)
class RankExample:
    """One logged impression: the candidate as the ranker would see it, its feed
    context, and ``label`` (1.0 if the viewer engaged with it, else 0.0)."""

    candidate: FeedCandidate
    context: FeedContext
    label: float


@runtime_checkable
class TrainableRanker(Ranker, Protocol):
    """A :class:`Ranker` that learns from logged impressions (``socialflow rankers train``).

    ``fit`` trains on the examples, keeps the model where the plugin's settings
    say (so every process loads it), and returns metrics to print (``{"auc": 0.8}``).
    An untrained ranker must still rank (with fallback weights).
    """

    def fit(self, examples: Sequence[RankExample]) -> dict[str, float]: ...


# -------------------------------------------------------------- recommenders


@dataclass(frozen=True)
class Interaction:
    """A viewer's implicit feedback on an item (a post): likes, shares, watches summed
    into one ``weight``."""

    user_id: str
    item_id: str
    weight: float


@dataclass(frozen=True)
class RecommenderData:
    """What a recommender trains on: interactions, who follows whom (follower,
    followee), the text of each candidate item (for content embeddings) and its
    author (to turn liked items into accounts to follow)."""

    interactions: Sequence[Interaction]
    follows: Sequence[tuple[str, str]] = ()
    item_texts: Mapping[str, str] = field(default_factory=dict)
    item_authors: Mapping[str, str] = field(default_factory=dict)


RecommendKind = Literal["items", "users"]


class Recommender(Protocol):
    """Collaborative and content recommendations (registered by ``socialflow_recommenders``).

    Answers are ``(id, score)`` pairs, best first, excluding ``exclude``. An
    untrained recommender (or an unknown user or item) answers ``[]``: the
    recommendations app then falls back to trending and followed hashtags. The
    app checks visibility afterwards, so a recommender may return ids the
    viewer cannot see; it asks for more than it shows.
    """

    name: str

    def fit(self, data: RecommenderData) -> dict[str, float]: ...

    def recommend(
        self, kind: RecommendKind, user_id: str, limit: int, exclude: Set[str]
    ) -> list[tuple[str, float]]: ...

    def similar(self, item_id: str, limit: int) -> list[tuple[str, float]]: ...


# -------------------------------------------------------------------- viral


@dataclass(frozen=True)
class ViralExample:
    """A post's early engagement (``features``: name -> value, the same names at
    training and prediction) and whether it went on to trend (``label``)."""

    post_id: str
    features: Mapping[str, float]
    label: bool


class ViralModel(Protocol):
    """Predicts from early engagement whether a post will trend within 24 hours
    (registered by ``socialflow_viral_models``).

    ``predict`` returns one probability per feature mapping; an untrained model
    returns ``None`` and the app uses its heuristic. ``explain`` names each
    feature's contribution to one prediction, largest first, for "why this is
    trending".
    """

    name: str

    def fit(self, examples: Sequence[ViralExample]) -> dict[str, float]: ...

    def predict(self, rows: Sequence[Mapping[str, float]]) -> list[float] | None: ...

    def explain(self, row: Mapping[str, float]) -> list[tuple[str, float]]: ...


# ------------------------------------------------------------ text embedders


@runtime_checkable
class TextEmbedder(Protocol):
    """Sentence embeddings (registered by ``socialflow_text_embedders``).

    ``embed`` turns texts into vectors of ``dimensions`` floats, one per text
    in order, each of unit length, so that the dot product of two is their
    cosine; an empty input answers ``[]``. ``name`` and ``version`` identify
    the model: vectors of different versions are never compared, so an app
    that keeps vectors keys them by both.

    ``tag_similarity`` is the cosine from which this model counts a keyword
    and a hashtag as the same topic (the insights app suggests an in-use
    hashtag that close to a draft's keyword). Models' cosine scales differ,
    so the embedder, not the app, carries it.

    ``embed`` is called on the request path with a few short texts, and in
    batches of thousands when an app builds its vocabulary: it must be
    thread-safe, and should batch internally.
    """

    name: str
    version: str
    dimensions: int
    tag_similarity: float

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...
