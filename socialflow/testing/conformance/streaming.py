"""The streaming provider conformance suite.

Subclass :class:`StreamingProviderConformance` and provide ``provider``.
The suite checks the channel lifecycle socialflow relies on: a new channel
has ingest and playback URLs and a secret key of its own, starts ``idle``
with no broadcasts, gets a new key on rotation, may be told to drop a
publisher it does not have, and is ``ended`` after :meth:`stop_channel`
(which may be called twice). Publishing real video is provider-specific:
test it beside the suite (the built-in ``local`` provider's tests publish
with ffmpeg, ``tests/live/``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from socialflow.plugins.protocols import LiveChannel, StreamingProvider

INGEST_SCHEMES = ("rtmp", "rtmps", "srt", "http", "https", "webrtc")


class StreamingProviderConformance:
    """Behaviour every streaming provider must show."""

    @pytest.fixture
    def provider(self) -> StreamingProvider:
        """Override: return the provider under test."""
        pytest.fail(f"{type(self).__name__} must define a `provider` fixture")

    def test_has_a_name(self, provider: StreamingProvider) -> None:
        assert isinstance(provider.name, str)
        assert provider.name

    def test_check_names_the_provider(self, provider: StreamingProvider) -> None:
        assert isinstance(provider.check(), str)

    def test_create_channel(self, provider: StreamingProvider) -> None:
        channel = provider.create_channel(owner_id="owner-1", title="Conformance live", record=True)
        assert isinstance(channel, LiveChannel)
        assert channel.channel_ref
        assert urlsplit(channel.ingest_url).scheme in INGEST_SCHEMES, channel.ingest_url
        assert urlsplit(channel.playback_url).scheme in ("http", "https"), channel.playback_url
        assert len(channel.stream_key) >= 16, "stream keys are secrets: make them unguessable"
        assert channel.stream_key not in channel.playback_url, "viewers must not learn the key"
        assert channel.stream_key not in channel.ingest_url, "the key is handed out on its own"

    def test_channels_are_distinct(self, provider: StreamingProvider) -> None:
        first = provider.create_channel(owner_id="owner-1", title="one", record=False)
        second = provider.create_channel(owner_id="owner-1", title="two", record=False)
        assert first.channel_ref != second.channel_ref
        assert first.stream_key != second.stream_key
        assert first.playback_url != second.playback_url

    def test_rotate_key(self, provider: StreamingProvider) -> None:
        channel = provider.create_channel(owner_id="owner-3", title="rotate", record=False)
        new_key = provider.rotate_key(channel_ref=channel.channel_ref)
        assert len(new_key) >= 16
        assert new_key != channel.stream_key
        assert new_key != provider.rotate_key(channel_ref=channel.channel_ref)
        assert provider.channel_status(channel_ref=channel.channel_ref) == "idle"

    def test_lifecycle(self, provider: StreamingProvider) -> None:
        channel = provider.create_channel(owner_id="owner-2", title="lifecycle", record=True)
        ref = channel.channel_ref
        assert provider.channel_status(channel_ref=ref) == "idle"
        assert provider.broadcasts(channel_ref=ref) == []
        provider.disconnect(channel_ref=ref)  # nobody to drop: fine
        assert provider.channel_status(channel_ref=ref) == "idle"
        provider.stop_channel(channel_ref=ref)
        assert provider.channel_status(channel_ref=ref) == "ended"
        provider.stop_channel(channel_ref=ref)  # twice is fine
        assert provider.channel_status(channel_ref=ref) == "ended"
