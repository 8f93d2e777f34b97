"""``POST /live/streams/{id}/chat/token`` on a platform whose provider is IVS with chat on:
tokens by role, none for a user banned for good, the ban disconnecting them from the room
(``ivschat`` checked with botocore's Stubber; channels on moto)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from conftest import RECORDING
from socialflow.live.channels import streaming_provider

from ivs_fake import fill_in
from socialflow_ivs import IvsStreaming
from socialflow_ivs.chat import room_name

ROOM = "arn:aws:ivschat:us-east-1:123456789012:room/RoomAAAAAAAA"
EXPIRES = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)


@pytest.fixture
def socialflow_overrides(ivs_endpoint: str) -> dict[str, Any]:
    return {
        "streaming": "ivs",
        "task_always_eager": True,
        "plugin": {
            "ivs": {
                "endpoint_url": ivs_endpoint,
                "chat_endpoint_url": ivs_endpoint,
                "access_key_id": "testing",
                "secret_access_key": "testing",
                "recording_configuration_arn": RECORDING,
                "chat": True,
            }
        },
    }


def test_tokens_by_role_and_bans(
    platform: Any, client: Any, make_user: Any, auth_headers: Any
) -> None:
    provider = streaming_provider(platform)
    assert isinstance(provider, IvsStreaming)
    keys = fill_in(provider.client)
    owner, fan, troll = make_user("alice"), make_user("fan"), make_user("troll")
    alice, bob, mallory = auth_headers(owner), auth_headers(fan), auth_headers(troll)
    stream = client.post("/api/v1/live/streams", headers=alice, json={"title": "t"}).json()
    sid = stream["id"]
    channel = next(iter(keys.keys.values()))["channelArn"]
    name = room_name("socialflow", channel)
    rooms = {"rooms": [{"arn": ROOM, "name": name}]}
    answer = {"token": "tok", "tokenExpirationTime": EXPIRES, "sessionExpirationTime": EXPIRES}

    def expect_token(stub: Stubber, user_id: int, capabilities: list[str], role: str) -> None:
        stub.add_response("list_rooms", rooms, {"name": name, "maxResults": 50})
        stub.add_response(
            "create_chat_token",
            answer,
            {
                "roomIdentifier": ROOM,
                "userId": str(user_id),
                "capabilities": capabilities,
                "sessionDurationInMinutes": 60,
                "attributes": {"displayName": ANY, "role": role},
            },
        )

    with Stubber(provider.chat.client) as stub:
        expect_token(stub, owner.id, ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
                     "moderator")  # fmt: skip
        got = client.post(f"/api/v1/live/streams/{sid}/chat/token", headers=alice)
        assert got.status_code == 200, got.text
        assert got.json()["role"] == "moderator"
        assert got.json()["token"] == "tok"

        expect_token(stub, fan.id, ["SEND_MESSAGE"], "viewer")
        viewer = client.post(f"/api/v1/live/streams/{sid}/chat/token", headers=bob).json()
        assert viewer["capabilities"] == ["SEND_MESSAGE"]

        # A timeout: disconnected from the room, then read only.
        stub.add_response("list_rooms", rooms, {"name": name, "maxResults": 50})
        stub.add_response(
            "disconnect_user",
            {},
            {"roomIdentifier": ROOM, "userId": str(fan.id), "reason": "Banned"},
        )
        timed_out = client.post(
            f"/api/v1/live/streams/{sid}/chat/bans",
            headers=alice,
            json={"user_id": fan.id, "seconds": 600},
        )
        assert timed_out.status_code == 200
        expect_token(stub, fan.id, [], "viewer")
        assert (
            client.post(f"/api/v1/live/streams/{sid}/chat/token", headers=bob).json()[
                "capabilities"
            ]
            == []
        )

        # Banned for good: no token at all.
        stub.add_response("list_rooms", rooms, {"name": name, "maxResults": 50})
        stub.add_response(
            "disconnect_user",
            {},
            {"roomIdentifier": ROOM, "userId": str(troll.id), "reason": "Banned"},
        )
        client.post(f"/api/v1/live/streams/{sid}/chat/bans", headers=alice,
                    json={"user_id": troll.id})  # fmt: skip
        refused = client.post(f"/api/v1/live/streams/{sid}/chat/token", headers=mallory)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        stub.assert_no_pending_responses()

    assert client.post(f"/api/v1/live/streams/{sid}/chat/token").status_code == 401
    assert client.post("/api/v1/live/streams/999999/chat/token", headers=bob).status_code == 404
