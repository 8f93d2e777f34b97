"""socialflow-fcm: mobile push through Firebase Cloud Messaging HTTP v1."""

from socialflow_fcm.channel import FcmChannel
from socialflow_fcm.errors import (
    FcmConfigurationError,
    FcmError,
    FcmMessageRejected,
    FcmUnavailable,
)
from socialflow_fcm.settings import FcmSettings

__all__ = [
    "FcmChannel",
    "FcmConfigurationError",
    "FcmError",
    "FcmMessageRejected",
    "FcmSettings",
    "FcmUnavailable",
]
