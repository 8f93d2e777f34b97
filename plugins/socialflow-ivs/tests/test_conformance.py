"""The ``ivs`` provider passes the streaming conformance suite against moto."""

from __future__ import annotations

import pytest
from socialflow.testing.conformance import StreamingProviderConformance

from ivs_fake import Keys
from socialflow_ivs import IvsStreaming


class TestIvsStreaming(StreamingProviderConformance):
    @pytest.fixture
    def provider(self, moto_ivs: tuple[IvsStreaming, Keys]) -> IvsStreaming:
        return moto_ivs[0]


def test_channels_are_real_moto_channels(moto_ivs: tuple[IvsStreaming, Keys]) -> None:
    provider, _ = moto_ivs
    channel = provider.create_channel(owner_id="42", title="t", record=True)
    stored = provider.client.get_channel(arn=channel.channel_ref)["channel"]
    assert stored["recordingConfigurationArn"].endswith("abcdEFGHijkl")
    assert stored["tags"] == {"socialflow:owner": "42"}
    assert stored["latencyMode"] == "LOW"
    assert channel.ingest_url == f"rtmps://{stored['ingestEndpoint']}:443/app"
    unrecorded = provider.create_channel(owner_id="42", title="t", record=False)
    assert not provider.client.get_channel(arn=unrecorded.channel_ref)["channel"].get(
        "recordingConfigurationArn"
    )


def test_a_broadcast_is_seen_and_stopped(moto_ivs: tuple[IvsStreaming, Keys]) -> None:
    provider, keys = moto_ivs
    channel = provider.create_channel(owner_id="1", title="t", record=False)
    ref = channel.channel_ref
    stream_id = keys.go_live(ref)
    assert provider.channel_status(channel_ref=ref) == "live"
    [live] = provider.broadcasts(channel_ref=ref)
    assert (live.broadcast_ref, live.status) == (stream_id, "live")
    new_key = provider.rotate_key(channel_ref=ref)  # drops the publisher too
    assert provider.channel_status(channel_ref=ref) == "idle"
    assert [k["value"] for k in keys.keys.values() if k["channelArn"] == ref] == [new_key]
    [ended] = provider.broadcasts(channel_ref=ref)
    assert ended.status == "ended"
    assert ended.ended_at is not None
    assert provider.recording(channel_ref=ref, broadcast_ref=stream_id) is None


def test_check_reaches_ivs(moto_ivs: tuple[IvsStreaming, Keys]) -> None:
    provider, _ = moto_ivs
    assert "us-east-1" in IvsStreaming(provider.config.model_copy(
        update={"recording_configuration_arn": None}), client=provider.client).check()  # fmt: skip
