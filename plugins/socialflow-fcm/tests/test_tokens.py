"""Access tokens: one JWT bearer grant per token lifetime, a new one on 401 or expiry.

The stub verifies each assertion's signature with the test account's public
key, so a token issued at all proves the assertion was signed right.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from socialflow.plugins.protocols import OutgoingMessage

from fcm_stub import FcmStub
from socialflow_fcm import FcmChannel, FcmConfigurationError, FcmUnavailable

TOKEN = "cXd:APA91bH-token-tests"


def push(text: str = "hello") -> OutgoingMessage:
    return OutgoingMessage(to=TOKEN, subject="Hi", text=text)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_token_serves_many_sends_over_one_pooled_connection(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    channel = make_channel()
    for n in range(5):
        channel.send(push(f"n{n}"))
    assert fcm.tokens_issued == 1
    assert len(fcm.texts_to(TOKEN)) == 5
    assert len(fcm.seen_connections) == 1  # token + 5 sends on one kept-alive connection


def test_token_is_fetched_again_shortly_before_it_expires(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    clock = Clock()
    channel = make_channel(clock=clock)
    channel.send(push())
    clock.now += 3600 - 301  # still more than the 5-minute margin left
    channel.send(push())
    assert fcm.tokens_issued == 1
    clock.now += 2  # now inside the margin
    channel.send(push())
    assert fcm.tokens_issued == 2


def test_short_lived_tokens_are_refreshed_at_half_life(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.token_lifetime = 60
    clock = Clock()
    channel = make_channel(clock=clock)
    channel.send(push())
    clock.now += 29
    channel.send(push())
    clock.now += 2
    channel.send(push())
    assert fcm.tokens_issued == 2


def test_a_refused_token_is_replaced_once_and_the_send_retried(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    channel = make_channel()
    channel.send(push("before"))
    fcm.revoke_access_tokens()
    channel.send(push("after revocation"))
    assert fcm.tokens_issued == 2
    assert fcm.texts_to(TOKEN) == ["Hi\nbefore", "Hi\nafter revocation"]


def test_a_token_refused_twice_is_a_configuration_error(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.fail_next(401, "UNAUTHENTICATED", times=2)
    with pytest.raises(FcmConfigurationError, match="access denied"):
        make_channel().send(push())
    assert fcm.tokens_issued == 2


def test_concurrent_sends_share_one_token_fetch(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    channel = make_channel()
    threads = [threading.Thread(target=channel.send, args=(push(f"t{n}"),)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fcm.tokens_issued == 1
    assert len(fcm.texts_to(TOKEN)) == 8


def test_a_key_the_server_does_not_know_is_refused_clearly(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel], service_account: dict[str, Any]
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = json.dumps({**service_account, "private_key": pem})
    with pytest.raises(FcmConfigurationError, match=r"refused the service account.*invalid_grant"):
        make_channel(credentials_json=key).send(push())
    assert fcm.token_refusals == ["Invalid JWT: InvalidSignatureError"]
    assert fcm.send_requests == 0


def test_token_endpoint_overload_is_retryable(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.fail_next_token(503, {"error": "temporarily_unavailable"}, **{"Retry-After": "4"})
    channel = make_channel()
    with pytest.raises(FcmUnavailable, match="temporarily_unavailable") as caught:
        channel.send(push())
    assert caught.value.retry_after == 4
    channel.send(push())
    assert len(fcm.texts_to(TOKEN)) == 1


def test_token_uri_setting_overrides_the_keys(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel], service_account: dict[str, Any]
) -> None:
    key = json.dumps({**service_account, "token_uri": "http://127.0.0.1:9/not-here"})
    make_channel(credentials_json=key, token_uri=fcm.token_url).send(push())
    assert fcm.tokens_issued == 1
