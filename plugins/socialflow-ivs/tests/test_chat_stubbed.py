"""IVS Chat rooms and tokens: the exact ``ivschat`` calls, checked with botocore's Stubber
(moto has no IVS Chat)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from socialflow_ivs import IvsSettings, IvsStreaming
from socialflow_ivs.chat import MODERATOR, room_name

ARN = "arn:aws:ivs:us-east-1:123456789012:channel/abcdEFGHijkl"
ROOM = "arn:aws:ivschat:us-east-1:123456789012:room/RoomAAAAAAAA"
NAME = "socialflow-abcdEFGHijkl"
EXPIRES = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)


@pytest.fixture
def chat_client() -> Any:
    return boto3.client(
        "ivschat",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def provider_on(ivs: Any, chat: Any, **settings: Any) -> IvsStreaming:
    return IvsStreaming(IvsSettings(chat=True, **settings), client=ivs, chat_client=chat)


def token_answer() -> dict[str, Any]:
    return {
        "token": "AQICAHg-secret",
        "tokenExpirationTime": EXPIRES,
        "sessionExpirationTime": EXPIRES,
    }


def test_the_first_token_makes_the_room_with_moderator_capabilities(
    stubbed_client: Any, chat_client: Any
) -> None:
    assert room_name("socialflow", ARN) == NAME
    provider = provider_on(stubbed_client, chat_client, chat_session_minutes=30)
    with Stubber(chat_client) as stub:
        stub.add_response("list_rooms", {"rooms": []}, {"name": NAME, "maxResults": 50})
        stub.add_response(
            "create_room",
            {"arn": ROOM, "name": NAME},
            {"name": NAME, "tags": {"socialflow:channel": ARN}},
        )
        stub.add_response(
            "create_chat_token",
            token_answer(),
            {
                "roomIdentifier": ROOM,
                "userId": "7",
                "capabilities": list(MODERATOR),
                "sessionDurationInMinutes": 30,
                "attributes": {"displayName": "Alice", "role": "moderator"},
            },
        )
        token = provider.chat_token(
            channel_ref=ARN, user_id="7", display_name="Alice", role="moderator", may_send=True
        )
        stub.assert_no_pending_responses()
    assert token.token == "AQICAHg-secret"
    assert token.capabilities == ("SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER")
    assert token.endpoint == "wss://edge.ivschat.us-east-1.amazonaws.com"
    assert token.token_expires_at == EXPIRES


@pytest.mark.parametrize(("may_send", "capabilities"), [(True, ["SEND_MESSAGE"]), (False, [])])
def test_viewers_send_or_only_read_in_the_existing_room(
    stubbed_client: Any, chat_client: Any, may_send: bool, capabilities: list[str]
) -> None:
    provider = provider_on(stubbed_client, chat_client)
    with Stubber(chat_client) as stub:
        stub.add_response(
            "list_rooms",
            {"rooms": [{"arn": ROOM, "name": NAME}], "nextToken": "n"},
            {"name": NAME, "maxResults": 50},
        )
        stub.add_response(
            "list_rooms", {"rooms": []}, {"name": NAME, "maxResults": 50, "nextToken": "n"}
        )
        stub.add_response(
            "create_chat_token",
            token_answer(),
            {
                "roomIdentifier": ROOM,
                "userId": "9",
                "capabilities": capabilities,
                "sessionDurationInMinutes": 60,
                "attributes": {"displayName": "bob", "role": "viewer"},
            },
        )
        token = provider.chat_token(
            channel_ref=ARN, user_id="9", display_name="bob", role="viewer", may_send=may_send
        )
        stub.assert_no_pending_responses()
    assert list(token.capabilities) == capabilities


def test_disconnect_and_stop_drop_users_and_rooms(stubbed_client: Any, chat_client: Any) -> None:
    provider = provider_on(stubbed_client, chat_client)
    rooms = {"rooms": [{"arn": ROOM, "name": NAME}]}
    with Stubber(chat_client) as chat_stub, Stubber(stubbed_client) as ivs_stub:
        chat_stub.add_response("list_rooms", rooms, {"name": NAME, "maxResults": 50})
        chat_stub.add_response(
            "disconnect_user", {}, {"roomIdentifier": ROOM, "userId": "9", "reason": "Banned"}
        )
        provider.disconnect_chat_user(channel_ref=ARN, user_id="9", reason="Banned")

        ivs_stub.add_response("list_stream_keys", {"streamKeys": []}, {"channelArn": ARN})
        ivs_stub.add_client_error("stop_stream", "ChannelNotBroadcasting", http_status_code=404)
        chat_stub.add_response("list_rooms", rooms, {"name": NAME, "maxResults": 50})
        chat_stub.add_client_error("delete_room", "ResourceNotFoundException", 404)
        provider.stop_channel(channel_ref=ARN)  # a room already gone is fine
        chat_stub.assert_no_pending_responses()
        ivs_stub.assert_no_pending_responses()


def test_chat_off_leaves_ivschat_alone(stubbed_client: Any, chat_client: Any) -> None:
    provider = IvsStreaming(IvsSettings(), client=stubbed_client, chat_client=chat_client)
    assert provider.chat_enabled is False
    with Stubber(chat_client) as chat_stub, Stubber(stubbed_client) as ivs_stub:
        ivs_stub.add_response("list_stream_keys", {"streamKeys": []}, {"channelArn": ARN})
        ivs_stub.add_client_error("stop_stream", "ChannelNotBroadcasting", http_status_code=404)
        provider.stop_channel(channel_ref=ARN)
        chat_stub.assert_no_pending_responses()
