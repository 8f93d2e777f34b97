"""The exact IVS calls for what moto does not implement, checked with botocore's Stubber."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from socialflow_ivs import IvsSettings, IvsStreaming

ARN = "arn:aws:ivs:us-east-1:123456789012:channel/abcdEFGHijkl"
S1, S2 = "st-1AAAAAAAAAAAAAAAAAAAAAAAAA", "st-2AAAAAAAAAAAAAAAAAAAAAAAAA"
KEY_ARN = "arn:aws:ivs:us-east-1:123456789012:stream-key/old"


def provider_on(client: Any) -> IvsStreaming:
    return IvsStreaming(IvsSettings(), client=client)


def test_rotate_deletes_every_key_creates_one_and_stops_the_stream(stubbed_client: Any) -> None:
    with Stubber(stubbed_client) as stub:
        stub.add_response(
            "list_stream_keys",
            {"streamKeys": [{"arn": KEY_ARN, "channelArn": ARN}]},
            {"channelArn": ARN},
        )
        stub.add_response("delete_stream_key", {}, {"arn": KEY_ARN})
        stub.add_response(
            "create_stream_key",
            {"streamKey": {"arn": KEY_ARN + "2", "channelArn": ARN, "value": "sk_new_value_0123"}},
            {"channelArn": ARN},
        )
        stub.add_client_error("stop_stream", "ChannelNotBroadcasting", http_status_code=404)
        assert provider_on(stubbed_client).rotate_key(channel_ref=ARN) == "sk_new_value_0123"
        stub.assert_no_pending_responses()


def test_status_from_keys_and_stream(stubbed_client: Any) -> None:
    provider = provider_on(stubbed_client)
    key = {"streamKeys": [{"arn": KEY_ARN, "channelArn": ARN}]}
    with Stubber(stubbed_client) as stub:
        stub.add_response("list_stream_keys", {"streamKeys": []}, {"channelArn": ARN})
        assert provider.channel_status(channel_ref=ARN) == "ended"
        stub.add_response("list_stream_keys", key, {"channelArn": ARN})
        stub.add_client_error("get_stream", "ChannelNotBroadcasting", http_status_code=404)
        assert provider.channel_status(channel_ref=ARN) == "idle"
        stub.add_response("list_stream_keys", key, {"channelArn": ARN})
        stub.add_response(
            "get_stream", {"stream": {"channelArn": ARN, "state": "LIVE"}}, {"channelArn": ARN}
        )
        assert provider.channel_status(channel_ref=ARN) == "live"
        stub.add_response("list_stream_keys", key, {"channelArn": ARN})
        stub.add_client_error("get_stream", "AccessDeniedException", http_status_code=403)
        with pytest.raises(ClientError):
            provider.channel_status(channel_ref=ARN)


def test_broadcasts_are_stream_sessions_oldest_first(stubbed_client: Any) -> None:
    first = datetime(2026, 1, 1, 10, tzinfo=UTC)
    second = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with Stubber(stubbed_client) as stub:
        stub.add_response(
            "list_stream_sessions",
            {
                "streamSessions": [
                    {"streamId": S2, "startTime": second},
                    {"streamId": S1, "startTime": first, "endTime": first.replace(hour=11)},
                ]
            },
            {"channelArn": ARN, "maxResults": 100},
        )
        found = provider_on(stubbed_client).broadcasts(channel_ref=ARN)
    assert [(b.broadcast_ref, b.status) for b in found] == [(S1, "ended"), (S2, "live")]
    assert found[0].ended_at == first.replace(hour=11)


def test_stop_channel_is_idempotent(stubbed_client: Any) -> None:
    provider = provider_on(stubbed_client)
    with Stubber(stubbed_client) as stub:
        stub.add_response("list_stream_keys", {"streamKeys": []}, {"channelArn": ARN})
        stub.add_client_error("stop_stream", "ChannelNotBroadcasting", http_status_code=404)
        provider.stop_channel(channel_ref=ARN)
        stub.assert_no_pending_responses()
