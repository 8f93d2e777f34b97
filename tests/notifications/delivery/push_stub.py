"""A local Web Push service for the tests: checks VAPID, decrypts, answers as scripted.

Like a browser vendor's push service it receives ``POST <endpoint>`` with an
``aes128gcm`` body, ``TTL`` and ``Authorization: vapid t=<JWT>,k=<key>``. It
verifies the JWT's ES256 signature with ``k``, its ``aud`` (the endpoint's
origin), ``exp`` (in the future, at most 24 h) and ``sub``; it decrypts the
body with the subscription's private key and auth secret (as the browser
would). Endpoints under ``/gone/`` answer 410, under ``/missing/`` 404; a
``script`` of statuses answers the next requests (201 when empty). Also a
"token" endpoint for opaque-token channels (the way FCM's emulator would).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from socialflow.testing.server import run_server


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Keys:
    """A browser's side of one subscription: its ECDH key and auth secret."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    claims: dict[str, Any] | None
    payload: dict[str, Any] | None
    problems: list[str]


@dataclass
class PushService:
    url: str = ""
    pushes: list[Push] = field(default_factory=list)
    keys: dict[str, Keys] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subscription(self, name: str, *, prefix: str = "push") -> dict[str, Any]:
        """A new subscription (as ``PushSubscription.toJSON()``) on endpoint ``/prefix/name``."""
        keys = Keys()
        path = f"/{prefix}/{name}"
        self.keys[path] = keys
        return {
            "endpoint": f"{self.url}{path}",
            "keys": {"p256dh": keys.p256dh, "auth": b64url(keys.auth)},
        }

    def received(self) -> list[Push]:
        with self.lock:
            return list(self.pushes)

    def bodies(self) -> list[str]:
        return [p.payload["body"] for p in self.received() if p.payload]


def verify_vapid(header: str, origin: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The JWT's claims and what is wrong with it (RFC 8292)."""
    problems: list[str] = []
    if not header.startswith("vapid "):
        return None, [f"authorization scheme: {header[:10]!r}"]
    params = dict(part.strip().split("=", 1) for part in header[6:].split(","))
    token, key = params.get("t", ""), params.get("k", "")
    head_b64, claims_b64, signature_b64 = token.split(".")
    header_doc = json.loads(unb64url(head_b64))
    if header_doc.get("alg") != "ES256":
        problems.append(f"alg {header_doc.get('alg')}")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature_b64)
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    try:
        public.verify(signature, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        problems.append("bad signature")
    claims = json.loads(unb64url(claims_b64))
    if claims.get("aud") != origin:
        problems.append(f"aud {claims.get('aud')} != {origin}")
    if not time.time() < int(claims.get("exp", 0)) <= time.time() + 86_400:
        problems.append("exp out of range")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        problems.append("sub missing")
    claims["k"] = key
    return claims, problems


def _app(service: PushService) -> Starlette:
    async def push(request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        headers = dict(request.headers)
        origin = f"{request.url.scheme}://{request.url.netloc}"
        claims, problems = verify_vapid(headers.get("authorization", ""), origin)
        if headers.get("content-encoding") != "aes128gcm":
            problems.append(f"content-encoding {headers.get('content-encoding')}")
        if "ttl" not in headers:
            problems.append("no TTL")
        payload = None
        keys = service.keys.get(path)
        if keys is not None:
            clear = http_ece.decrypt(
                body, private_key=keys.private, auth_secret=keys.auth, version="aes128gcm"
            )
            payload = json.loads(clear)
        with service.lock:
            service.pushes.append(Push(path, headers, claims, payload, problems))
            status = service.script.pop(0) if service.script else 201
        if path.startswith("/gone/"):
            status = 410
        elif path.startswith("/missing/"):
            status = 404
        if problems:
            status = 400
        return PlainTextResponse("; ".join(problems) or "ok", status_code=status)

    async def token(request: Request) -> Response:
        document = await request.json()
        with service.lock:
            service.pushes.append(Push("/token", dict(request.headers), None, document, []))
        if str(document.get("token", "")).startswith("dead-"):
            return PlainTextResponse("unregistered", status_code=404)
        return PlainTextResponse("ok", status_code=200)

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/{rest:path}", push, methods=["POST"]),
        ]
    )


def serve(log: Path) -> Iterator[PushService]:
    service = PushService()
    with run_server(_app(service), log=log) as url:
        service.url = url
        yield service
