"""The social tests' users and HTTP calls, for the insights tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.social.conftest import actor, api  # noqa: F401 - fixtures re-exported


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    """No sentence embedder from an installed socialflow-ml: exact matching, as without
    one (the embedder tests register their own)."""
    return {"plugin": {"ml": {"embeddings": False}}}
