"""The network guard works, and the models load with it in place (no hub, no download)."""

from __future__ import annotations

import socket

import pytest
from conftest import ATTEMPTS

from socialflow_moderation_ml.images import nsfw_scores
from socialflow_moderation_ml.text import profanity_scores


def test_the_guard_refuses_outside_addresses() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="network blocked"):
            probe.connect(("192.0.2.1", 80))  # TEST-NET-1: never routable
    finally:
        probe.close()
    assert ATTEMPTS.pop() == "('192.0.2.1', 80)"


def test_every_model_runs_offline(landscape: bytes) -> None:
    assert profanity_scores(["hello there"])[0] < 0.5
    [score] = nsfw_scores([landscape])
    assert score is not None
    assert score < 0.2
    assert ATTEMPTS == []
