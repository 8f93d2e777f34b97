"""The ``webpush`` notification channel: Web Push (RFC 8030) with VAPID (RFC 8292).

``OutgoingMessage.to`` is a browser's push subscription as JSON
(``{"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}``). The payload,
encrypted for that subscription (``aes128gcm``, RFC 8291) by ``pywebpush``,
is JSON: ``{"title", "body", "kind", "data"}``; the page's service worker
shows it. The push service answering 404 or 410 means the subscription is
gone for good: the channel raises :class:`RecipientGone` (so is a
subscription that cannot be used at all, such as malformed keys). Other
failures raise, and the caller retries.

Settings, ``[plugin.webpush]`` (``SOCIALFLOW_PLUGIN__WEBPUSH__*``):
``vapid_private_key`` (base64url; ``socialflow webpush keys`` makes a pair),
``vapid_subject`` (``mailto:`` or ``https:`` contact for push services),
``ttl_seconds``, ``timeout_seconds``, ``allow_insecure_endpoints`` (development).
``pywebpush`` is an extra: ``pip install 'socialflow[webpush]'``.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import OutgoingMessage, RecipientGone
from socialflow.plugins.specs import hookimpl

if TYPE_CHECKING:
    import typer

SECTION = "webpush"
GONE_STATUSES = frozenset({404, 410})


class WebPushSettings(BaseModel):
    """The VAPID key pair's private half, the contact, and delivery limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vapid_private_key: SecretStr | None = Field(
        default=None,
        description="VAPID private key, base64url (raw 32 bytes or DER); generate a pair "
        "with `socialflow webpush keys`. Required when the webpush channel is enabled.",
    )
    vapid_subject: str = Field(
        default="mailto:admin@example.com",
        pattern=r"^(mailto:|https://)\S+$",
        description="Contact push services may use about this sender (mailto: or https:).",
    )
    ttl_seconds: int = Field(
        default=86_400, ge=0, le=2_419_200, description="How long a push service keeps a message."
    )
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    allow_insecure_endpoints: bool = Field(
        default=False,
        description="Development and tests only: accept http:// push endpoints and ones on "
        "private or loopback addresses (real push services are public and https).",
    )


def public_key_of(private_key: Any) -> str:
    """The application server key browsers subscribe with (base64url, uncompressed point)."""
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def generate_keys() -> tuple[str, str]:
    """A new VAPID pair: (private key, base64url raw; public application server key)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(private).decode().rstrip("="), public_key_of(key)


def refuse_private_host(host: str, port: int) -> None:
    """Raise :class:`RecipientGone` unless every address of ``host`` is public.

    A subscription is whatever a client registered, so its endpoint could
    aim the worker at the operator's own network; real push services are on
    public addresses.
    """
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return  # unresolvable now: the request fails and is retried
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise RecipientGone(f"push endpoint host {host!r} is not a public address")


class WebPushChannel:
    """Sends each message as one encrypted push to one subscription."""

    name = "webpush"

    def __init__(self, config: WebPushSettings) -> None:
        from py_vapid import Vapid02

        if config.vapid_private_key is None:
            raise ValueError(
                "the webpush channel needs [plugin.webpush] vapid_private_key "
                "(generate one with `socialflow webpush keys`)"
            )
        self.config = config
        self.vapid = Vapid02.from_string(config.vapid_private_key.get_secret_value())
        self.public_key = public_key_of(self.vapid.private_key)

    def subscription(self, address: str) -> dict[str, Any]:
        try:
            document = json.loads(address)
            endpoint = document["endpoint"]
            keys = {"p256dh": document["keys"]["p256dh"], "auth": document["keys"]["auth"]}
        except (ValueError, KeyError, TypeError):
            raise RecipientGone("not a push subscription") from None
        url = urlparse(endpoint) if isinstance(endpoint, str) else urlparse("")
        allowed = {"https", "http"} if self.config.allow_insecure_endpoints else {"https"}
        if url.scheme not in allowed:
            raise RecipientGone(f"push endpoint scheme {url.scheme or 'missing'!r} refused")
        if not self.config.allow_insecure_endpoints:
            refuse_private_host(url.hostname or "", url.port or 443)
        return {"endpoint": endpoint, "keys": keys}

    def payload(self, message: OutgoingMessage) -> str:
        document = {
            "title": message.subject,
            "body": message.text,
            "kind": message.kind,
            "data": dict(message.data),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)

    def send(self, message: OutgoingMessage) -> None:
        from pywebpush import WebPushException, webpush

        subscription = self.subscription(message.to)
        try:
            webpush(
                subscription,
                data=self.payload(message),
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.config.vapid_subject},
                ttl=self.config.ttl_seconds,
                timeout=self.config.timeout_seconds,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE_STATUSES:
                raise RecipientGone(f"push service answered {status}") from None
            if exc.response is None:
                # Raised before any request: the subscription's keys cannot be used.
                raise RecipientGone(exc.message) from None
            raise RuntimeError(f"push service answered {status}") from None


def make_webpush_channel(settings: Settings) -> WebPushChannel:
    return WebPushChannel(settings.plugin_config(SECTION, WebPushSettings))


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"webpush": make_webpush_channel}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[BaseModel]]:
    return SECTION, WebPushSettings


@hookimpl
def socialflow_cli(app: typer.Typer) -> None:
    import typer

    webpush_app = typer.Typer(help="Web Push (VAPID) notification channel.", no_args_is_help=True)

    @webpush_app.command("keys")
    def keys() -> None:
        """Print a new VAPID key pair: the private key for [plugin.webpush], the public
        key for browsers (PushManager.subscribe's applicationServerKey)."""
        from socialflow.core.console import console

        private, public = generate_keys()
        # Plain lines, never wrapped: they are pasted into settings and code.
        for line in (
            "[plugin.webpush]",
            f'vapid_private_key = "{private}"',
            f"# public key (applicationServerKey): {public}",
        ):
            console.print(line, markup=False, highlight=False, soft_wrap=True)

    app.add_typer(webpush_app, name="webpush")
