"""socialflow-ml: learned ranking and recommendations for socialflow.

Registers the ``personalized`` ranker, the ``als`` recommender and the
``logistic`` viral model. Models are trained locally from socialflow's logs
and kept as ``.npz`` arrays under ``[plugin.ml] model_dir``; nothing is
downloaded at run time.
"""

from socialflow_ml.settings import MlSettings

__all__ = ["MlSettings"]
