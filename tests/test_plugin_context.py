"""Hooks take ``settings`` and ``platform`` by name; plugins use the platform facade.

A plugin (tests/context_plugin.py) reads its own ``[plugin.greeter]`` section
from a filter, a router, an event handler and an export section, through
``platform.plugin_settings``, ``provider``, ``session`` and ``record_event``,
over real HTTP. Hooks that name none of these keep working (the other plugin
tests and every built-in app).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from socialflow import hookimpl
from socialflow.core.platform import Platform
from socialflow.core.settings import Settings
from socialflow.plugins.facade import PlatformFacade
from socialflow.plugins.manager import PluginError
from tests import context_plugin


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {
        "site_name": "Greeter site",
        "plugin_modules": ["tests.context_plugin"],
        "plugin": {"greeter": {"greeting": "bonjour", "banned": ["durian"]}},
    }


def test_a_filter_reads_its_own_settings_through_the_platform(
    client: httpx.Client, make_user: Any, auth_headers: Any
) -> None:
    headers = auth_headers(make_user("filtered"))
    made = client.post("/api/v1/posts", json={"text": "apples"}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["text"] == "apples (bonjour)"
    refused = client.post("/api/v1/posts", json={"text": "durian pie"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "bonjour: not that word"


def test_a_router_uses_settings_sessions_providers_and_events(
    client: httpx.Client, make_user: Any, platform: Platform
) -> None:
    make_user("someone")
    hello = client.get("/api/v1/greeter/hello")
    assert hello.status_code == 200, hello.text
    assert hello.json() == {
        "greeting": "bonjour",
        "site": "Greeter site",
        "storage": platform.provider("storage").name,
        "users": 1,
    }
    context_plugin.HEARD.clear()
    pinged = client.post("/api/v1/greeter/ping")
    assert pinged.status_code == 202
    assert context_plugin.HEARD == [("greeter_pinged", {"by": "test"}, "bonjour")]


def test_export_sections_get_the_platform(
    client: httpx.Client, make_user: Any, auth_headers: Any
) -> None:
    response = client.get("/api/v1/users/me/export", headers=auth_headers(make_user("exp")))
    assert response.status_code == 200, response.text
    assert response.json()["greeter"] == {"greeting": "bonjour"}


def test_plugin_settings_name_an_undeclared_model(platform: Platform) -> None:
    class Undeclared(BaseModel):
        x: int = 1

    with pytest.raises(PluginError, match="Undeclared"):
        platform.plugin_settings(Undeclared)
    assert isinstance(platform, PlatformFacade)


def test_provider_hooks_take_settings_and_filters_run_without_a_platform(
    socialflow_settings: Settings,
) -> None:
    from socialflow.plugins.manager import get_plugin_manager

    class Named:
        name = "named"

    class SettingsAware:
        @hookimpl
        def socialflow_rankers(self, settings: Settings) -> dict[str, Any]:
            # Register a ranker named after the site, as a plugin reading settings could.
            return {settings.site_name.lower().replace(" ", "-"): lambda _: Named()}

    manager = get_plugin_manager(socialflow_settings)
    manager.register_module(SettingsAware(), name="settings_aware")
    assert manager.provider("ranker", "greeter-site").name == "named"
    # A manager used on its own has no platform: a hook asking for one is refused by name.
    assert manager.platform is None
    with pytest.raises(PluginError, match=r"tests\.context_plugin: socialflow_filter_post"):
        manager.apply_filters("socialflow_filter_post", {"text": "durian"})


def test_a_hook_called_without_its_context_fails_the_suite(platform) -> None:
    """pytest's filterwarnings turns pluggy's missing-argument warning into an error, so a
    call site that forgets ``**plugins.hook_context()`` cannot pass unnoticed."""
    with pytest.raises(UserWarning, match="declared in the hookspec cannot be found"):
        platform.plugins.hook.socialflow_routers()
