"""Registers the ``personalized`` ranker, the ``als`` recommender, the ``logistic`` viral
model, the ``minilm`` text embedder (when its model is installed) and the ``[plugin.ml]``
settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_ml.settings import SECTION, MlSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_ml.als import AlsRecommender
    from socialflow_ml.embedder import MiniLMTextEmbedder
    from socialflow_ml.personalized import PersonalizedRanker
    from socialflow_ml.viral import LogisticViralModel


def make_personalized(settings: Settings) -> PersonalizedRanker:
    from socialflow_ml.personalized import PersonalizedRanker
    from socialflow_ml.store import store_for

    return PersonalizedRanker(store_for(settings))


def make_als(settings: Settings) -> AlsRecommender:
    from socialflow_ml.als import AlsRecommender
    from socialflow_ml.store import store_for

    return AlsRecommender(store_for(settings), settings.plugin_config(SECTION, MlSettings))


def make_viral(settings: Settings) -> LogisticViralModel:
    from socialflow_ml.store import store_for
    from socialflow_ml.viral import LogisticViralModel

    return LogisticViralModel(store_for(settings))


@hookimpl
def socialflow_rankers() -> dict[str, object]:
    return {"personalized": make_personalized}


@hookimpl
def socialflow_recommenders() -> dict[str, object]:
    return {"als": make_als}


@hookimpl
def socialflow_viral_models() -> dict[str, object]:
    return {"logistic": make_viral}


def make_minilm(settings: Settings) -> MiniLMTextEmbedder:
    from socialflow_ml import minilm_files
    from socialflow_ml.embedder import MiniLMTextEmbedder, embedder_for

    config = settings.plugin_config(SECTION, MlSettings)
    files, embedder = minilm_files.find(), embedder_for(config.onnx_dir())
    if files is None or embedder is None:
        raise RuntimeError(f"all-MiniLM-L6-v2 is not installed: {minilm_files.INSTALL_HINT}")
    return MiniLMTextEmbedder(embedder, files.version, config.tag_similarity)


@hookimpl
def socialflow_text_embedders(settings: Settings) -> dict[str, object]:
    from socialflow_ml.embedder import NAME, available

    if not settings.plugin_config(SECTION, MlSettings).embeddings or not available():
        return {}
    return {NAME: make_minilm}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[MlSettings]]:
    return SECTION, MlSettings
