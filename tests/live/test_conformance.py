"""The built-in ``local`` provider passes the streaming conformance suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialflow.builtins.local_live.provider import LocalStreaming, LocalStreamingSettings
from socialflow.core.settings import Settings
from socialflow.testing.conformance import StreamingProviderConformance


class TestLocalStreaming(StreamingProviderConformance):
    @pytest.fixture
    def provider(self, tmp_path: Path) -> LocalStreaming:
        settings = Settings(project_dir=tmp_path, environment="test")
        return LocalStreaming(settings, LocalStreamingSettings(rtmp_port=0))


def test_a_stopped_channel_keeps_no_key(tmp_path: Path) -> None:
    provider = LocalStreaming(
        Settings(project_dir=tmp_path, environment="test"), LocalStreamingSettings()
    )
    channel = provider.create_channel(owner_id="1", title="t", record=False)
    assert provider.registry.channel_for_key(channel.stream_key) is not None
    provider.stop_channel(channel_ref=channel.channel_ref)
    assert provider.registry.channel_for_key(channel.stream_key) is None
    assert list((tmp_path / "live" / "keys").iterdir()) == []
    stored = (tmp_path / "live" / "channels" / f"{channel.channel_ref}.json").read_text()
    assert channel.stream_key not in stored
