"""socialflow-s3: media storage on Amazon S3 or any S3-compatible store."""

from socialflow_s3.backend import S3Storage
from socialflow_s3.settings import S3Settings

__all__ = ["S3Settings", "S3Storage"]
