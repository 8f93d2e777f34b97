"""OAuth2 access tokens for FCM from a service-account key (the JWT bearer grant).

The channel signs a JWT with the account's private key (RS256, ``kid`` = the
key's id), trades it at the token endpoint for an access token
(RFC 7523, ``urn:ietf:params:oauth:grant-type:jwt-bearer``) and keeps that
token until shortly before it expires, so a burst of pushes costs one token
request. PyJWT signs; the request goes through the channel's own pooled
httpx client. (google-auth's service-account credentials do the same but
bring their own transport and sleep through their own retries of the token
endpoint, where this channel wants ``Retry-After`` to reach its caller.)

Neither the key nor a token ever reaches a log or an error message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from socialflow_fcm.errors import (
    FcmConfigurationError,
    FcmUnavailable,
    retry_after_seconds,
    token_error_reason,
)
from socialflow_fcm.settings import FcmSettings

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
ASSERTION_LIFETIME = 3600  # Google accepts assertions valid for an hour at most
REFRESH_MARGIN = 300.0  # fetch a new token this long before the old one expires


@dataclass(frozen=True)
class ServiceAccount:
    """The parts of a service-account key file the channel uses."""

    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str | None
    project_id: str | None
    token_uri: str

    @classmethod
    def from_settings(cls, config: FcmSettings) -> ServiceAccount:
        """Read the key from ``credentials_json`` or ``credentials_file``.

        Errors name the setting and what is wrong, never the key's content.
        """
        source = "credentials_json" if config.credentials_json is not None else "credentials_file"
        try:
            if config.credentials_json is not None:
                info = json.loads(config.credentials_json.get_secret_value())
            else:
                assert config.credentials_file is not None
                info = json.loads(config.credentials_file.read_text())
        except (OSError, ValueError) as exc:
            where = f" ({config.credentials_file})" if source == "credentials_file" else ""
            raise FcmConfigurationError(
                f"[plugin.fcm] {source}{where}: cannot read the service-account key: "
                f"{type(exc).__name__}"
            ) from None
        return cls.from_info(info, source=source)

    @classmethod
    def from_info(cls, info: Any, *, source: str = "key") -> ServiceAccount:
        if not isinstance(info, dict):
            raise FcmConfigurationError(f"[plugin.fcm] {source}: not a JSON object")
        if info.get("type", "service_account") != "service_account":
            raise FcmConfigurationError(
                f"[plugin.fcm] {source}: type is {info.get('type')!r}, "
                "FCM needs a service_account key"
            )
        missing = [k for k in ("client_email", "private_key") if not info.get(k)]
        if missing:
            raise FcmConfigurationError(
                f"[plugin.fcm] {source}: the key has no {', '.join(missing)}"
            )
        try:
            key = serialization.load_pem_private_key(str(info["private_key"]).encode(), None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            key = None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise FcmConfigurationError(
                f"[plugin.fcm] {source}: private_key is not an unencrypted PEM RSA key"
            )
        return cls(
            client_email=str(info["client_email"]),
            private_key=str(info["private_key"]),
            private_key_id=info.get("private_key_id") or None,
            project_id=info.get("project_id") or None,
            token_uri=str(info.get("token_uri") or DEFAULT_TOKEN_URI),
        )

    def assertion(self, *, audience: str, now: float) -> str:
        """The signed JWT traded for an access token."""
        issued = int(now)
        claims = {
            "iss": self.client_email,
            "sub": self.client_email,
            "scope": SCOPE,
            "aud": audience,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME,
        }
        headers = {"kid": self.private_key_id} if self.private_key_id else None
        try:
            return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise FcmConfigurationError(
                f"[plugin.fcm] the private key of {self.client_email} cannot sign: "
                f"{type(exc).__name__}"
            ) from None


class AccessTokens:
    """One cached access token, fetched again shortly before it expires.

    Thread-safe: threads sending at once share one fetch. ``invalidate``
    drops a token FCM refused (401), so the next ``get`` fetches a new one.
    ``clock`` is injectable so tests can move time without sleeping.
    """

    def __init__(
        self,
        account: ServiceAccount,
        *,
        token_uri: str,
        client: Callable[[], httpx.Client],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = account
        self.token_uri = token_uri
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token = None
                self._token, self._refresh_at = self._fetch()
            return self._token

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        now = self._clock()
        assertion = self.account.assertion(audience=self.token_uri, now=time.time())
        try:
            response = self._client().post(
                self.token_uri,
                data={"grant_type": GRANT_TYPE, "assertion": assertion},
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise FcmUnavailable(
                f"FCM token endpoint {self.token_uri} not reachable: {type(exc).__name__}"
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise FcmUnavailable(
                f"FCM token endpoint {self.token_uri}: {token_error_reason(response)}",
                retry_after=retry_after_seconds(response.headers.get("retry-after")),
            )
        if response.status_code != 200:
            raise FcmConfigurationError(
                f"FCM token endpoint {self.token_uri} refused the service account "
                f"{self.account.client_email}: {token_error_reason(response)}; check the key "
                "in [plugin.fcm] (revoked or deleted keys are refused) and the machine's clock"
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise FcmUnavailable(
                f"FCM token endpoint {self.token_uri}: an answer without an access token"
            ) from None
        margin = min(REFRESH_MARGIN, lifetime / 2)
        return token, now + lifetime - margin
