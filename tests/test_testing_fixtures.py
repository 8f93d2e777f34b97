"""The fixtures socialflow's pytest plugin gives plugin authors work as documented."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.mark.anyio
async def test_async_client_runs_the_app_with_its_lifespan(
    async_client: httpx.AsyncClient, make_user: Any, auth_headers: Any
) -> None:
    user = make_user("asyncuser")
    me = await async_client.get("/api/v1/users/me", headers=auth_headers(user))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "asyncuser"
    ready = await async_client.get("/readyz")
    assert ready.status_code in (200, 503)
    assert "storage" in ready.text


def test_make_platform_applies_overrides(platform: Any, make_platform: Any) -> None:
    other = make_platform(ranker="chronological", site_name="Elsewhere")
    assert other.settings.site_name == "Elsewhere"
    assert other.settings.database_url == platform.settings.database_url
    assert other.provider("ranker").name == "chronological"


def test_make_platform_validates_overrides(make_platform: Any) -> None:
    from socialflow.plugins.manager import PluginError

    with pytest.raises(PluginError, match="no-such-ranker"):
        make_platform(ranker="no-such-ranker")


class TestOverridesPerClass:
    @pytest.fixture
    def socialflow_overrides(self) -> dict[str, Any]:
        return {"site_name": "Overridden"}

    def test_settings_override(self, socialflow_settings: Any) -> None:
        assert socialflow_settings.site_name == "Overridden"
        assert (
            'site_name = "Overridden"'
            in (socialflow_settings.project_dir / "socialflow.toml").read_text()
        )
