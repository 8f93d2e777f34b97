"""The FCM message a push becomes: notification, string data, Android and APNs options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialflow.plugins.protocols import OutgoingMessage

from fcm_stub import FcmStub
from socialflow_fcm import FcmChannel, FcmSettings
from socialflow_fcm.payload import build_message

TOKEN = "eZ9:APA91bF-payload-token"


def sent(fcm: FcmStub) -> dict[str, Any]:
    assert len(fcm.messages) == 1
    return fcm.messages[0]


def test_notification_data_and_platform_options(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    make_channel(android_channel_id="social").send(
        OutgoingMessage(
            to=TOKEN,
            subject="New comment",
            text="bo: nice video",
            html="<b>ignored</b>",
            kind="commented",
            data={"post_id": 42, "mine": True, "ids": [1, 2], "note": "plain", "gone": None},
        )
    )
    message = sent(fcm)
    assert message["token"] == TOKEN
    assert message["notification"] == {"title": "New comment", "body": "bo: nice video"}
    assert message["data"] == {
        "post_id": "42",
        "mine": "true",
        "ids": "[1,2]",
        "note": "plain",
        "kind": "commented",
    }
    assert message["android"] == {
        "priority": "HIGH",
        "ttl": "259200s",
        "collapse_key": "commented",
        "notification": {"tag": "commented", "channel_id": "social"},
    }
    headers = message["apns"]["headers"]
    assert headers["apns-priority"] == "10"
    assert headers["apns-push-type"] == "alert"
    assert headers["apns-collapse-id"] == "commented"
    assert int(headers["apns-expiration"]) > 0
    assert message["apns"]["payload"] == {"aps": {"sound": "default", "thread-id": "commented"}}


def test_normal_priority_kinds_and_no_collapsing(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    make_channel(normal_priority_kinds=["liked"], collapse_by_kind=False, ttl_seconds=0).send(
        OutgoingMessage(to=TOKEN, subject="Like", text="cy liked your post", kind="liked")
    )
    message = sent(fcm)
    assert message["android"] == {"priority": "NORMAL", "ttl": "0s"}
    assert message["apns"]["headers"] == {
        "apns-push-type": "alert",
        "apns-priority": "5",
        "apns-expiration": "0",
    }


def test_a_data_kind_wins_and_long_kinds_fit_apns() -> None:
    config = FcmSettings(credentials_json="{}")  # type: ignore[arg-type]
    body = build_message(
        OutgoingMessage(to=TOKEN, subject="s", text="t", kind="k" * 80, data={"kind": "mine"}),
        config,
        now=0,
    )
    assert body["message"]["data"]["kind"] == "mine"
    assert body["message"]["apns"]["headers"]["apns-collapse-id"] == "k" * 64
    assert body["message"]["apns"]["headers"]["apns-expiration"] == str(3 * 24 * 3600)


def test_likes_and_shares_go_at_normal_priority_by_default() -> None:
    config = FcmSettings(credentials_json="{}")  # type: ignore[arg-type]
    for kind, priority in (("liked", "NORMAL"), ("shared", "NORMAL"), ("mentioned", "HIGH")):
        body = build_message(OutgoingMessage(to=TOKEN, subject="s", text="t", kind=kind), config)
        assert body["message"]["android"]["priority"] == priority
