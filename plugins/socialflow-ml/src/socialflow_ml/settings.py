"""The ``[plugin.ml]`` settings section."""

from __future__ import annotations

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
