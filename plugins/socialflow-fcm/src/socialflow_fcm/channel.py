"""The ``fcm`` notification channel: one push per message through FCM HTTP v1.

``send`` posts to ``{endpoint}/v1/projects/{project}/messages:send`` with a
cached OAuth2 access token (see :mod:`socialflow_fcm.auth`); a 401 that is
not APNs' fault means the token is no longer taken, so it fetches a new one
and tries once more. Errors map as :mod:`socialflow_fcm.errors` says:
:class:`~socialflow.plugins.protocols.RecipientGone` for a dead device token,
:class:`FcmUnavailable` (with ``retry_after``) to retry later,
:class:`FcmConfigurationError` and :class:`FcmMessageRejected` when retrying
cannot help.

One httpx client per process, built on first use (a Celery worker forked
after the channel was built gets its own), keeps connections to FCM open
between pushes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import httpx
from socialflow.core.settings import SettingsError
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone

from socialflow_fcm.auth import AccessTokens, ServiceAccount
from socialflow_fcm.errors import (
    ErrorAnswer,
    FcmConfigurationError,
    FcmUnavailable,
    classify,
    fingerprint,
)
from socialflow_fcm.payload import build_message
from socialflow_fcm.settings import FcmSettings

logger = logging.getLogger(__name__)
CHECK_TOPIC = "socialflow-check"


class FcmChannel:
    """Mobile push; ``OutgoingMessage.to`` is the device's FCM registration token."""

    name = "fcm"

    def __init__(self, config: FcmSettings, *, clock: Callable[[], float] | None = None) -> None:
        config.require_usable()
        self.config = config
        try:  # a key that cannot work fails at start, as a setting
            self.account = ServiceAccount.from_settings(config)
        except FcmConfigurationError as exc:
            raise SettingsError(str(exc)) from None
        project = config.project_id or self.account.project_id
        if not project:
            raise SettingsError(
                "setting `plugin.fcm.project_id` is required: the service-account key has no "
                "project_id"
            )
        self.project_id: str = project
        self.send_url = f"{config.endpoint.rstrip('/')}/v1/projects/{project}/messages:send"
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._client_pid = 0
        options = {"clock": clock} if clock is not None else {}
        self.tokens = AccessTokens(
            self.account,
            token_uri=config.token_uri or self.account.token_uri,
            client=self.client,
            **options,
        )

    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None or self._client_pid != os.getpid():
                cfg = self.config
                self._client = httpx.Client(
                    timeout=httpx.Timeout(cfg.timeout, connect=cfg.connect_timeout),
                    limits=httpx.Limits(
                        max_connections=cfg.max_connections,
                        max_keepalive_connections=cfg.max_connections,
                    ),
                    headers={"User-Agent": "socialflow-fcm"},
                    follow_redirects=False,
                )
                self._client_pid = os.getpid()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._client_pid == os.getpid():
                self._client.close()
            self._client = None

    @property
    def where(self) -> str:
        return f"FCM project {self.project_id} at {self.config.endpoint}"

    def send(self, message: OutgoingMessage) -> None:
        if not message.to.strip():
            raise RecipientGone("FCM: an empty registration token never reaches a device")
        self._post(build_message(message, self.config), token=message.to)
        logger.debug("fcm: sent %s push to %s", message.kind, fingerprint(message.to))

    def check(self, token: str | None = None) -> str:
        """Prove the key, the project and the permission work, delivering nothing.

        Fetches an access token and asks FCM to validate (``validate_only``)
        a message, which FCM checks as a real send without delivering it: to
        a topic, or to ``token`` (then a dead token raises ``RecipientGone``).
        Raises :class:`FcmError` naming what failed.
        """
        target = {"token": token} if token else {"topic": CHECK_TOPIC}
        body = {
            "validate_only": True,
            "message": {**target, "notification": {"title": "socialflow check"}},
        }
        self._post(body, token=token or CHECK_TOPIC)
        checked = f", {fingerprint(token)} valid" if token else ""
        return (
            f"{self.where} as {self.account.client_email} (token issued, send validated{checked})"
        )

    def _post(self, body: dict[str, object], *, token: str) -> None:
        for attempt in (1, 2):
            access_token = self.tokens.get()
            try:
                response = self.client().post(
                    self.send_url, json=body, headers={"Authorization": f"Bearer {access_token}"}
                )
            except httpx.TimeoutException as exc:
                raise FcmUnavailable(f"{self.where}: timed out ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise FcmUnavailable(
                    f"{self.where}: not reachable ({type(exc).__name__})"
                ) from None
            if response.is_success:
                return
            answer = ErrorAnswer.parse(response)
            if (
                response.status_code == 401
                and answer.error_code != "THIRD_PARTY_AUTH_ERROR"
                and attempt == 1
            ):
                logger.info("fcm: access token refused (%s); fetching a new one", answer.status)
                self.tokens.invalidate(access_token)
                continue
            raise classify(answer, token=token, project_id=self.project_id)
