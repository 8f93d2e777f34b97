"""Without the payments app there are no subscribers: subscriber-only chat is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.live.conftest import Api, create_stream
from tests.social.conftest import Actor


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"disabled_apps": ["payments", "ads"]}  # ads are paid through payments


def test_subscriber_only_needs_the_payments_app(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    assert "payments" not in platform.plugins.app_names()
    alice = actor("alice")
    sid = create_stream(api, alice)["id"]
    refused = api(
        "PATCH", f"/live/streams/{sid}/chat/settings", alice, json={"subscribers_only": True}
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("live-chat-no-subscriptions")
    settings = api("PATCH", f"/live/streams/{sid}/chat/settings", alice, json={}).json()
    assert settings["subscribers_only"] is False
