"""The webhooks app's own settings section, ``[plugin.webhooks]``: validated at start
(unknown keys, networks, the production refusal) only while the app is enabled, read
from the TOML file or ``SOCIALFLOW_PLUGIN__WEBHOOKS__*`` variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from socialflow.core.platform import Platform
from socialflow.core.settings import Settings, SettingsError, load_settings
from socialflow.webhooks.settings import WebhookSettings, webhook_settings
from socialflow.webhooks.tasks import SWEEP_TASK

PRODUCTION = {
    "environment": "production",
    "secret_key": "Zq8vT3kLm9Wx2Rb7Yc4Hn6Jd1Pf5Gs0Ae8Uo3Ki7Lw2Mv9Nx4By6Cz1Dt5Eq",
    "mail_channel": "smtp",
}


def start(tmp_path: Path, **values: Any) -> Platform:
    values.setdefault("database_url", f"sqlite:///{tmp_path / 'db.sqlite'}")
    return Platform(load_settings(tmp_path, **values)).start()


def test_the_kernel_settings_know_nothing_of_webhooks() -> None:
    assert [name for name in Settings.model_fields if "webhook" in name] == []


def test_defaults_are_valid_and_read_per_platform(tmp_path: Path) -> None:
    platform = start(tmp_path)
    try:
        config = webhook_settings(platform)
        assert config is webhook_settings(platform)  # validated once, attached at start
        assert config == WebhookSettings()
        assert config.allow_private_targets is False
        assert config.require_https is True
        assert config.retry_schedule == [10, 60, 300, 1800, 7200, 21600, 43200, 86400]
        assert (config.disable_after_failures, config.max_endpoints_per_user) == (40, 10)
    finally:
        platform.stop()


def test_an_unknown_key_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text("[plugin.webhooks]\nretry_shedule = [1, 2]\n")
    with pytest.raises(SettingsError) as refused:
        start(tmp_path)
    message = str(refused.value)
    assert "setting `plugin.webhooks.retry_shedule`: Extra inputs are not permitted" in message
    assert "SOCIALFLOW_PLUGIN__WEBHOOKS__RETRY_SHEDULE" in message


def test_a_bad_network_is_refused_naming_the_key_and_its_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        start(tmp_path, plugin={"webhooks": {"allowed_networks": ["10.0.0.0/8", "nope"]}})
    message = str(refused.value)
    assert "plugin.webhooks.allowed_networks" in message
    assert "'nope' is not an IP network" in message
    assert "SOCIALFLOW_PLUGIN__WEBHOOKS__ALLOWED_NETWORKS" in message


@pytest.mark.parametrize(
    "values",
    [{"retry_jitter": 2}, {"timeout_seconds": 0}, {"retry_schedule": [1.0] * 31}],
)
def test_out_of_range_values_are_refused(tmp_path: Path, values: dict[str, Any]) -> None:
    (key,) = values
    with pytest.raises(SettingsError, match=f"plugin.webhooks.{key}"):
        start(tmp_path, plugin={"webhooks": values})


def test_production_refuses_private_targets(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        start(tmp_path, plugin={"webhooks": {"allow_private_targets": True}}, **PRODUCTION)
    message = str(refused.value)
    assert "plugin.webhooks.allow_private_targets is on" in message
    assert "environment is production" in message
    # Outside production it is the developer's choice; in production the rest is fine.
    start(tmp_path, plugin={"webhooks": {"allow_private_targets": True}}).stop()
    allowed = {"allowed_networks": ["10.20.0.0/16"]}
    start(tmp_path, plugin={"webhooks": allowed}, **PRODUCTION).stop()


def test_a_model_built_by_hand_is_not_production() -> None:
    assert WebhookSettings(allow_private_targets=True).allow_private_targets


def test_a_disabled_app_leaves_no_settings_validation_behind(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text(
        "[plugin.webhooks]\nallow_private_targets = true\nno_such_key = 1\n"
    )
    platform = start(tmp_path, disabled_apps=["webhooks"], **PRODUCTION)
    try:
        entries = {e["task"] for e in platform.celery.conf.beat_schedule.values()}
        assert SWEEP_TASK not in entries
    finally:
        platform.stop()


def test_environment_variables_set_the_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__WEBHOOKS__ALLOWED_NETWORKS", "10.20.0.0/16,fd00:1::/64")
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__WEBHOOKS__RETRY_SCHEDULE", "[10, 60]")
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__WEBHOOKS__REQUIRE_HTTPS", "false")
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__WEBHOOKS__SWEEP_INTERVAL", "17")
    platform = start(tmp_path)
    try:
        config = webhook_settings(platform)
        assert config.allowed_networks == ["10.20.0.0/16", "fd00:1::/64"]
        assert config.retry_schedule == [10.0, 60.0]
        assert config.require_https is False
        entries = {e["task"]: e for e in platform.celery.conf.beat_schedule.values()}
        assert entries[SWEEP_TASK]["schedule"] == timedelta(seconds=17)
    finally:
        platform.stop()
