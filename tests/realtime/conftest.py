"""Fixtures for the realtime tests: the social ones (users with tokens, short HTTP
calls), re-exported rather than copied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from socialflow.app import create_app
from socialflow.testing.server import run_server
from tests.social.conftest import Actor, actor, api  # noqa: F401 - fixtures re-exported

ALLOWED_ORIGIN = "http://app.example"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"cors_origins": [ALLOWED_ORIGIN], "plugin": {"realtime": {"send_queue_frames": 8}}}


@pytest.fixture
def serve(make_platform: Callable[..., Any]) -> Iterator[Callable[..., str]]:
    """``serve(**overrides)``: one more real server (its own platform), its base URL."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> str:
            platform = make_platform(**overrides)
            return stack.enter_context(run_server(create_app(platform=platform)))

        yield start
