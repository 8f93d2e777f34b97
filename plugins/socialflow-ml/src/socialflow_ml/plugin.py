"""Registers the ``personalized`` ranker, the ``als`` recommender, the ``logistic`` viral
model and the ``[plugin.ml]`` settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_ml.settings import SECTION, MlSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_ml.als import AlsRecommender
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


@hookimpl
def socialflow_settings_model() -> tuple[str, type[MlSettings]]:
    return SECTION, MlSettings
