"""Amazon IVS as socialflow's streaming provider (``streaming = "ivs"``)."""

from socialflow_ivs.provider import IvsStreaming
from socialflow_ivs.settings import IvsSettings

__all__ = ["IvsSettings", "IvsStreaming"]
