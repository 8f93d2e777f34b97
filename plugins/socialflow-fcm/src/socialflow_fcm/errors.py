"""What can go wrong sending a push, and how FCM's answers map onto it.

FCM HTTP v1 answers an error with a Google API error body::

    {"error": {"code": 404, "status": "NOT_FOUND", "message": "...",
               "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                            "errorCode": "UNREGISTERED"}]}}

The ``errorCode`` of the ``FcmError`` detail says what happened; the HTTP
status alone does not (a 401 is an expired access token, or APNs refusing
the app's certificate). :func:`classify` turns a response into the exception
the caller acts on: forget the token (:class:`RecipientGone`), retry later
(:class:`FcmUnavailable`), fix the settings (:class:`FcmConfigurationError`)
or fix the message (:class:`FcmMessageRejected`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from socialflow.plugins.protocols import RecipientGone

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
RETRYABLE_CODES = {"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"}
CONFIGURATION_CODES = {"SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"}


class FcmError(Exception):
    """Base of the channel's own errors (:class:`RecipientGone` comes from the contract)."""


class FcmUnavailable(FcmError):  # noqa: N818 - what the caller does: try again later
    """FCM or the token endpoint is overloaded, failing or unreachable: retry later.

    ``retry_after`` is FCM's ``Retry-After`` in seconds when it sent one; a
    caller retrying sooner is refused again (and may be throttled for longer).
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FcmConfigurationError(FcmError):
    """The settings are wrong: key, project, permissions, or APNs/web-push credentials.

    Retrying does not help; every message fails the same way until fixed.
    """


class FcmMessageRejected(FcmError):  # noqa: N818 - what FCM did to the message
    """FCM refused this message's content (not its token): retrying it does not help."""


def fingerprint(token: str) -> str:
    """A short, stable name for a registration token that logs can carry.

    A device token lets anyone holding the project's credentials push to
    that device, so it never appears in logs or error messages whole.
    """
    return "token#" + hashlib.sha256(token.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class ErrorAnswer:
    """The parts of an FCM error body that decide what to do."""

    http_status: int
    status: str
    error_code: str | None
    message: str
    token_field_violation: bool
    retry_after: float | None

    @classmethod
    def parse(cls, response: httpx.Response) -> ErrorAnswer:
        try:
            body = response.json()
        except ValueError:
            body = None
        error: dict[str, Any] = body.get("error", {}) if isinstance(body, dict) else {}
        if not isinstance(error, dict):
            error = {}
        code: str | None = None
        on_token = False
        for detail in error.get("details") or []:
            if not isinstance(detail, dict):
                continue
            if detail.get("@type") == FCM_ERROR_TYPE and isinstance(detail.get("errorCode"), str):
                code = detail["errorCode"]
            if detail.get("@type") == BAD_REQUEST_TYPE:
                on_token |= any(
                    isinstance(v, dict) and v.get("field") == "message.token"
                    for v in detail.get("fieldViolations") or []
                )
        return cls(
            http_status=response.status_code,
            status=str(error.get("status") or ""),
            error_code=code,
            message=str(error.get("message") or response.reason_phrase)[:300],
            token_field_violation=on_token,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )

    @property
    def about_token(self) -> bool:
        """Whether an INVALID_ARGUMENT is the registration token's fault."""
        return self.token_field_violation or "registration token" in self.message.lower()

    def describe(self) -> str:
        code = self.error_code or self.status or "no error code"
        return f"HTTP {self.http_status} {code}: {self.message}"


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(answer: ErrorAnswer, *, token: str, project_id: str) -> Exception:
    """The exception for an FCM error answer (never called for 2xx).

    401 without ``THIRD_PARTY_AUTH_ERROR`` (an access token FCM no longer
    takes) is handled by the caller, which fetches a new token once first.
    """
    who = fingerprint(token)
    code, status = answer.error_code, answer.http_status
    if code == "UNREGISTERED" or (code == "INVALID_ARGUMENT" and answer.about_token):
        return RecipientGone(f"FCM: {who} is no longer valid ({answer.describe()})")
    if answer.token_field_violation:
        return RecipientGone(f"FCM: {who} is not a registration token ({answer.describe()})")
    if code in RETRYABLE_CODES or status in (429, 500, 502, 503, 504):
        return FcmUnavailable(
            f"FCM: try again later ({answer.describe()})", retry_after=answer.retry_after
        )
    if code == "SENDER_ID_MISMATCH":
        return FcmConfigurationError(
            f"FCM project {project_id}: {who} was registered for another Firebase project "
            f"(SENDER_ID_MISMATCH); check [plugin.fcm] project_id and the app's "
            f"google-services file ({answer.message})"
        )
    if code == "THIRD_PARTY_AUTH_ERROR":
        return FcmConfigurationError(
            f"FCM project {project_id}: APNs or web-push credentials were refused "
            f"(THIRD_PARTY_AUTH_ERROR); upload a valid APNs key in the Firebase console "
            f"({answer.message})"
        )
    if status in (401, 403):
        return FcmConfigurationError(
            f"FCM project {project_id}: access denied ({answer.describe()}); check the "
            "service account in [plugin.fcm] has the Firebase Cloud Messaging API Admin role "
            "and the FCM API is enabled"
        )
    if status == 404:
        return FcmConfigurationError(
            f"FCM project {project_id}: not found ({answer.describe()}); check [plugin.fcm] "
            "project_id and endpoint"
        )
    if status == 400:
        return FcmMessageRejected(f"FCM refused the message to {who}: {answer.describe()}")
    return FcmUnavailable(
        f"FCM: unexpected answer {answer.describe()}", retry_after=answer.retry_after
    )


def token_error_reason(response: httpx.Response) -> str:
    """OAuth2's ``error``/``error_description`` of a token endpoint refusal, nothing else."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    reason = str(body.get("error") or f"HTTP {response.status_code}")
    if body.get("error_description"):
        reason += f": {str(body['error_description'])[:200]}"
    return reason
