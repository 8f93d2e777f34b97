"""An example socialflow plugin: the ``popular`` ranker."""

from socialflow_custom_ranker.plugin import PopularityRanker, PopularitySettings

__all__ = ["PopularityRanker", "PopularitySettings"]
