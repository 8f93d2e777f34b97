"""FCM's error answers become the exception the caller acts on, over real HTTP.

Dead tokens -> ``RecipientGone``; overload -> ``FcmUnavailable`` carrying
``Retry-After``; wrong project or credentials -> ``FcmConfigurationError``;
a message FCM cannot take -> ``FcmMessageRejected``. No message or log
carries the device token, the access token or the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone
from socialflow.testing.processes import free_port

from fcm_stub import FcmStub
from socialflow_fcm import FcmChannel, FcmConfigurationError, FcmMessageRejected, FcmUnavailable
from socialflow_fcm.errors import fingerprint, retry_after_seconds

TOKEN = "fGhJ:APA91bE-device-token-under-test-0123456789"


def push(to: str = TOKEN, **fields: object) -> OutgoingMessage:
    return OutgoingMessage(to=to, subject="New follower", text="ada followed you", **fields)  # type: ignore[arg-type]


def test_unregistered_token_is_gone(fcm: FcmStub, make_channel: Callable[..., FcmChannel]) -> None:
    fcm.unregistered.add(TOKEN)
    with pytest.raises(RecipientGone, match="UNREGISTERED") as caught:
        make_channel().send(push())
    assert TOKEN not in str(caught.value)
    assert fingerprint(TOKEN) in str(caught.value)
    assert fcm.messages == []


def test_malformed_token_is_gone(fcm: FcmStub, make_channel: Callable[..., FcmChannel]) -> None:
    fcm.invalid_tokens.add(TOKEN)
    with pytest.raises(RecipientGone, match="INVALID_ARGUMENT"):
        make_channel().send(push())


def test_invalid_argument_about_the_message_is_not_the_tokens_fault(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.fail_next(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message="Message is too big")
    with pytest.raises(FcmMessageRejected, match="too big"):
        make_channel().send(push())


def test_reserved_data_key_is_refused_before_sending(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    with pytest.raises(FcmMessageRejected, match="'from' is reserved"):
        make_channel().send(push(data={"from": "x"}))
    assert fcm.send_requests == 0


@pytest.mark.parametrize(
    ("status", "code", "error_code"),
    [
        (503, "UNAVAILABLE", "UNAVAILABLE"),
        (500, "INTERNAL", "INTERNAL"),
        (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
        (502, "UNAVAILABLE", None),
    ],
)
def test_overload_is_retryable_with_retry_after(
    fcm: FcmStub,
    make_channel: Callable[..., FcmChannel],
    status: int,
    code: str,
    error_code: str | None,
) -> None:
    fcm.fail_next(status, code, error_code, headers={"Retry-After": "17"})
    channel = make_channel()
    with pytest.raises(FcmUnavailable) as caught:
        channel.send(push())
    assert caught.value.retry_after == 17
    channel.send(push())  # the next attempt goes through
    assert fcm.texts_to(TOKEN) == ["New follower\nada followed you"]


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now=now) == 90
    assert retry_after_seconds("garbage", now=now) is None
    assert retry_after_seconds(None) is None


def test_unavailable_without_retry_after(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.fail_next(503, "UNAVAILABLE", "UNAVAILABLE")
    with pytest.raises(FcmUnavailable) as caught:
        make_channel().send(push())
    assert caught.value.retry_after is None


def test_sender_id_mismatch_is_a_configuration_error(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.other_sender.add(TOKEN)
    with pytest.raises(FcmConfigurationError, match=r"SENDER_ID_MISMATCH.*project_id") as caught:
        make_channel().send(push())
    assert TOKEN not in str(caught.value)


def test_third_party_auth_error_is_a_configuration_error_not_a_token_refresh(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    fcm.fail_next(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", message="APNs auth failed")
    with pytest.raises(FcmConfigurationError, match=r"THIRD_PARTY_AUTH_ERROR.*APNs"):
        make_channel().send(push())
    assert fcm.tokens_issued == 1  # no pointless new access token


def test_wrong_project_is_a_configuration_error(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    with pytest.raises(FcmConfigurationError, match="project other-project: access denied"):
        make_channel(project_id="other-project").send(push())


def test_unreachable_fcm_is_retryable(
    make_channel: Callable[..., FcmChannel], fcm: FcmStub
) -> None:
    channel = make_channel(endpoint=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(FcmUnavailable, match="not reachable"):
        channel.send(push())


def test_slow_fcm_times_out_as_retryable(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    channel = make_channel(timeout=0.3)
    channel.tokens.get()  # the token endpoint is not the slow part here
    fcm.send_delay = 1.0
    with pytest.raises(FcmUnavailable, match="timed out"):
        channel.send(push())


def test_no_secret_reaches_logs_or_errors(
    fcm: FcmStub,
    make_channel: Callable[..., FcmChannel],
    service_account: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = make_channel()
    failures: list[str] = []
    channel.send(push())
    fcm.revoke_access_tokens()
    channel.send(push())  # a 401, a new token, a retry: all logged
    for prepare in (
        lambda: fcm.unregistered.add(TOKEN),
        lambda: fcm.fail_next(503, "UNAVAILABLE", "UNAVAILABLE"),
        lambda: fcm.fail_next(403, "PERMISSION_DENIED", None, message="denied"),
    ):
        fcm.unregistered.clear()
        prepare()
        with pytest.raises(Exception) as caught:  # noqa: PT011 - each kind checked above
            channel.send(push())
        failures.append(f"{caught.value!s} {caught.value!r}")
    seen = caplog.text + "\n".join(failures) + repr(channel.config) + repr(channel.account)
    key_body = service_account["private_key"].splitlines()[1]
    for secret in (TOKEN, key_body, *fcm.access_tokens):
        assert secret not in seen
    assert fcm.tokens_issued == 2


def test_a_proxys_html_error_page_is_retryable() -> None:
    """A load balancer in front of FCM may answer HTML; its Retry-After still counts."""
    import httpx

    from socialflow_fcm.errors import ErrorAnswer, classify

    page = httpx.Response(502, text="<html>Bad Gateway</html>", headers={"Retry-After": "3"})
    error = classify(ErrorAnswer.parse(page), token=TOKEN, project_id="p")
    assert isinstance(error, FcmUnavailable)
    assert error.retry_after == 3
    assert "HTTP 502" in str(error)


def test_an_empty_token_is_gone_without_asking_fcm(
    fcm: FcmStub, make_channel: Callable[..., FcmChannel]
) -> None:
    with pytest.raises(RecipientGone, match="empty registration token"):
        make_channel().send(push(to=" "))
    assert fcm.send_requests == 0
