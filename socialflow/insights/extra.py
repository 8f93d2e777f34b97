"""The 503 that names the ``insights`` extra when its libraries are not installed."""

from __future__ import annotations

from socialflow.core.errors import ServiceUnavailable


def missing_extra(library: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"{library} is not installed; install socialflow's insights extra: "
        "pip install 'socialflow[insights]'.",
        slug="insights-unavailable",
    )
