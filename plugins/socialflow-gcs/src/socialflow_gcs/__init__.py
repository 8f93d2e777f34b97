"""socialflow-gcs: media storage on Google Cloud Storage."""

from socialflow_gcs.backend import GCSStorage
from socialflow_gcs.settings import GCSSettings

__all__ = ["GCSSettings", "GCSStorage"]
