"""An ingest started after a crash ends the broadcasts left live and removes leftovers."""

from __future__ import annotations

import json
from pathlib import Path

from socialflow.builtins.local_live.provider import LocalStreaming, LocalStreamingSettings
from socialflow.core.settings import Settings
from socialflow.testing.waiting import wait_until


def test_a_crashed_ingest_is_cleaned_up_at_start(tmp_path: Path) -> None:
    settings = Settings(project_dir=tmp_path, environment="test")
    provider = LocalStreaming(settings, LocalStreamingSettings(rtmp_port=0))
    channel = provider.create_channel(owner_id="1", title="t", record=True)
    registry = provider.registry
    # What a process killed mid-broadcast leaves: a live broadcast, and a refused
    # connection's folder that was never registered.
    with registry.change(channel.channel_ref) as record:
        from socialflow.builtins.local_live.registry import BroadcastRecord, now_iso

        record.status = "live"
        record.broadcasts.append(BroadcastRecord("a" * 32, "live", now_iso()))
    (registry.broadcasts / ("a" * 32) / "240p").mkdir(parents=True)
    (registry.broadcasts / ("b" * 32) / "240p").mkdir(parents=True)
    told: list[str] = []
    provider.subscribe(told.append)
    provider.serve()
    try:
        assert provider.channel_status(channel_ref=channel.channel_ref) == "idle"
        (broadcast,) = provider.broadcasts(channel_ref=channel.channel_ref)
        assert broadcast.status == "ended"
        assert broadcast.ended_at is not None
        assert (registry.broadcasts / ("a" * 32)).is_dir()  # kept: it may be recorded
        assert not (registry.broadcasts / ("b" * 32)).exists()
        wait_until(lambda: told == [channel.channel_ref], timeout=5)
        port = json.loads((tmp_path / "live" / "ingest.json").read_text())["port"]
        assert provider.create_channel(owner_id="1", title="u", record=False).ingest_url == (
            f"rtmp://127.0.0.1:{port}/live"
        )
    finally:
        provider.shutdown()
