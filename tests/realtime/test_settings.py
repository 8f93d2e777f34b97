"""The realtime app's own settings section, ``[plugin.realtime]``: validated at start
(unknown keys, bounds) only while the app is enabled, read from the TOML file or
``SOCIALFLOW_PLUGIN__REALTIME__*`` variables, and what the hub really enforces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialflow.core.platform import Platform
from socialflow.core.settings import Settings, SettingsError, load_settings
from socialflow.realtime.settings import RealtimeSettings, realtime_settings
from tests.realtime.clients import close_code, open_socket, receive_until, token_of


def start(tmp_path: Path, **values: Any) -> Platform:
    values.setdefault("database_url", f"sqlite:///{tmp_path / 'db.sqlite'}")
    return Platform(load_settings(tmp_path, **values)).start()


def test_the_kernel_settings_know_nothing_of_realtime() -> None:
    assert [name for name in Settings.model_fields if "realtime" in name] == []
    assert "realtime" not in (Settings.__doc__ or "").lower()


def test_defaults_are_valid_and_read_per_platform(tmp_path: Path) -> None:
    platform = start(tmp_path)
    try:
        config = realtime_settings(platform)
        assert config is realtime_settings(platform)  # validated once, attached at start
        assert config == RealtimeSettings()
        assert (config.send_queue_frames, config.max_message_bytes) == (256, 4096)
        assert (config.messages_per_second, config.message_burst) == (5.0, 20)
        assert (config.max_subscriptions, config.heartbeat_seconds) == (100, 25.0)
        assert (config.replay_entries, config.replay_seconds) == (500, 86400)
        assert config.replay_users == 10_000
    finally:
        platform.stop()


def test_an_unknown_key_is_refused_at_start(tmp_path: Path) -> None:
    # The old kernel spelling, moved under the section, is a typical mistake.
    (tmp_path / "socialflow.toml").write_text("[plugin.realtime]\nrealtime_replay_entries = 5\n")
    with pytest.raises(SettingsError) as refused:
        start(tmp_path)
    message = str(refused.value)
    assert (
        "setting `plugin.realtime.realtime_replay_entries`: Extra inputs are not permitted"
        in message
    )
    assert "SOCIALFLOW_PLUGIN__REALTIME__REALTIME_REPLAY_ENTRIES" in message


def test_the_old_kernel_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="realtime_max_message_bytes"):
        start(tmp_path, realtime_max_message_bytes=1024)


@pytest.mark.parametrize(
    "values",
    [
        {"send_queue_frames": 0},
        {"send_queue_frames": 100_001},
        {"max_message_bytes": 63},
        {"max_message_bytes": 1024 * 1024 + 1},
        {"messages_per_second": 0},
        {"message_burst": 0},
        {"max_subscriptions": 0},
        {"heartbeat_seconds": 0},
        {"replay_entries": -1},
        {"replay_seconds": 0},
        {"replay_users": 0},
    ],
)
def test_out_of_range_values_are_refused(tmp_path: Path, values: dict[str, Any]) -> None:
    (key,) = values
    with pytest.raises(SettingsError) as refused:
        start(tmp_path, plugin={"realtime": values})
    assert f"plugin.realtime.{key}" in str(refused.value)
    assert f"SOCIALFLOW_PLUGIN__REALTIME__{key.upper()}" in str(refused.value)


def test_a_disabled_app_leaves_no_settings_validation_behind(tmp_path: Path) -> None:
    (tmp_path / "socialflow.toml").write_text(
        "[plugin.realtime]\nno_such_key = 1\nmax_message_bytes = 1\n"
    )
    platform = start(tmp_path, disabled_apps=["realtime"])
    try:
        with pytest.raises(LookupError):
            realtime_settings(platform)  # nothing attached: the app did not start
    finally:
        platform.stop()


def test_environment_variables_set_the_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__REALTIME__MAX_MESSAGE_BYTES", "512")
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__REALTIME__HEARTBEAT_SECONDS", "2.5")
    monkeypatch.setenv("SOCIALFLOW_PLUGIN__REALTIME__REPLAY_ENTRIES", "7")
    platform = start(tmp_path)
    try:
        config = realtime_settings(platform)
        assert (config.max_message_bytes, config.heartbeat_seconds) == (512, 2.5)
        assert config.replay_entries == 7
        assert config.send_queue_frames == 256  # the rest keep their defaults
    finally:
        platform.stop()


def test_the_frame_limit_comes_from_the_section(serve, actor) -> None:
    bob = actor("bob")
    server = serve(plugin={"realtime": {"max_message_bytes": 256}})
    with open_socket(server, token_of(bob.headers)) as ws:
        ws.send(json.dumps({"op": "ping", "pad": "x" * 150}))
        assert receive_until(ws, lambda f: f["event"] == "pong")["topic"] is None
        ws.send(json.dumps({"op": "ping", "pad": "x" * 300}))
        assert close_code(ws) == 1009
