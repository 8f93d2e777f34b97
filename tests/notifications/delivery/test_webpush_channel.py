"""The built-in ``webpush`` channel passes the notification channel conformance suite
against the local push service, which verifies its VAPID JWT and decrypts each push."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from typer.testing import CliRunner

from socialflow.builtins.webpush_channel import WebPushChannel, WebPushSettings, generate_keys
from socialflow.plugins.protocols import NotificationChannel, OutgoingMessage, RecipientGone
from socialflow.testing.conformance import NotificationChannelConformance
from tests.notifications.delivery.conftest import VAPID_PRIVATE, VAPID_PUBLIC
from tests.notifications.delivery.push_stub import PushService


def make_channel(**values: Any) -> WebPushChannel:
    settings = {"vapid_private_key": VAPID_PRIVATE, "allow_insecure_endpoints": True, **values}
    return WebPushChannel(WebPushSettings(**settings))


class TestWebPushConformance(NotificationChannelConformance):
    @pytest.fixture(autouse=True)
    def _service(self, push_service: PushService) -> None:
        self.service = push_service
        self.recipient = json.dumps(push_service.subscription("conformance"))

    @pytest.fixture
    def channel(self) -> NotificationChannel:
        return make_channel()

    def delivered(self, channel: NotificationChannel) -> Sequence[str]:
        pushes = self.service.received()
        assert all(p.problems == [] for p in pushes), [p.problems for p in pushes]
        return [p.payload["body"] for p in pushes if p.payload]


def test_payload_carries_title_kind_and_data(push_service: PushService) -> None:
    to = json.dumps(push_service.subscription("payload"))
    make_channel().send(
        OutgoingMessage(to=to, subject="Title", text="Body", kind="liked", data={"post_id": 7})
    )
    (push,) = push_service.received()
    assert push.payload == {
        "title": "Title",
        "body": "Body",
        "kind": "liked",
        "data": {"post_id": 7},
    }
    assert push.claims is not None
    assert push.claims["aud"] == push_service.url
    assert push.claims["k"] == VAPID_PUBLIC


@pytest.mark.parametrize("prefix", ["gone", "missing"])
def test_410_and_404_mean_recipient_gone(push_service: PushService, prefix: str) -> None:
    to = json.dumps(push_service.subscription("x", prefix=prefix))
    with pytest.raises(RecipientGone):
        make_channel().send(OutgoingMessage(to=to, subject="s", text="t"))


def test_other_failures_raise_for_a_retry(push_service: PushService) -> None:
    push_service.script = [503]
    to = json.dumps(push_service.subscription("busy"))
    with pytest.raises(RuntimeError, match="503"):
        make_channel().send(OutgoingMessage(to=to, subject="s", text="t"))


def test_unusable_subscriptions_are_gone_and_http_is_refused(push_service: PushService) -> None:
    for to in ("not json", json.dumps({"endpoint": "https://x"})):
        with pytest.raises(RecipientGone):
            make_channel().send(OutgoingMessage(to=to, subject="s", text="t"))
    strict = make_channel(allow_insecure_endpoints=False)
    for endpoint in ("https://127.0.0.1:9/x", "https://10.1.2.3/x", "https://[::1]/x"):
        sub = {**push_service.subscription("private"), "endpoint": endpoint}
        message = OutgoingMessage(to=json.dumps(sub), subject="s", text="t")
        with pytest.raises(RecipientGone, match="not a public address"):
            strict.send(message)
    http = json.dumps(push_service.subscription("plain"))
    with pytest.raises(RecipientGone, match="http"):
        make_channel(allow_insecure_endpoints=False).send(
            OutgoingMessage(to=http, subject="s", text="t")
        )
    assert push_service.received() == []


def test_needs_a_vapid_key() -> None:
    with pytest.raises(ValueError, match="vapid_private_key"):
        WebPushChannel(WebPushSettings())


def test_generated_keys_work_together(push_service: PushService) -> None:
    private, public = generate_keys()
    channel = make_channel(vapid_private_key=private)
    assert channel.public_key == public
    channel.send(
        OutgoingMessage(to=json.dumps(push_service.subscription("k")), subject="s", text="t")
    )
    assert push_service.received()[0].claims["k"] == public


def test_cli_prints_a_key_pair() -> None:
    from socialflow.cli import build_cli

    result = CliRunner().invoke(build_cli(), ["webpush", "keys"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "[plugin.webpush]"  # a section, not markup
    line = next(x for x in result.output.splitlines() if x.startswith("vapid_private_key"))
    private = line.split('"')[1]
    assert WebPushChannel(WebPushSettings(vapid_private_key=private)).public_key in result.output
