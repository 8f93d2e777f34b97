"""A local FCM HTTP v1 server and OAuth2 token endpoint for the plugin's tests.

It speaks what the channel talks to in production, over real HTTP on
127.0.0.1:

- ``POST /token``: the JWT bearer grant. The assertion's RS256 signature is
  verified with the test service account's *public* key (PyJWT, not the
  channel's code path), and its ``iss``, ``aud``, ``scope``, ``kid`` and
  lifetime are checked; refusals are OAuth2 error bodies (``invalid_grant``).
- ``POST /v1/projects/{project}/messages:send``: checks the bearer token was
  issued here and not revoked, the project, and the message's shape as FCM
  does (one target; string data values; Android priority and ttl format;
  APNs header values as strings), then records it. Errors are Google API
  error bodies with an ``FcmError`` detail, as FCM sends them.

Tests steer it: ``unregistered`` / ``invalid_tokens`` / ``other_sender``
tokens answer UNREGISTERED / INVALID_ARGUMENT / SENDER_ID_MISMATCH;
``fail_next`` scripts the next answers (503 with ``Retry-After``...);
``revoke_access_tokens`` makes every issued token answer 401.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
SEND_PATH = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
DURATION = re.compile(r"^\d+(\.\d{1,9})?s$")


@dataclass
class Scripted:
    """One answer to give instead of handling the next send (or token) request."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def google_error(
    code: int,
    status: str,
    message: str,
    error_code: str | None = None,
    violations: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    details: list[dict[str, Any]] = []
    if error_code:
        details.append({"@type": FCM_ERROR, "errorCode": error_code})
    if violations:
        details.append({"@type": BAD_REQUEST, "fieldViolations": violations})
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is what a timeout test wants.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FcmStub:
    """The server's state; ``url`` is its base (the channel's ``endpoint``)."""

    def __init__(self, *, project_id: str, client_email: str, key_id: str, public_key: str):
        self.project_id = project_id
        self.client_email = client_email
        self.key_id = key_id
        self.public_key = public_key
        self.token_lifetime = 3600
        self.send_delay = 0.0
        self.generation = 0  # bumped by reset(): a request from an earlier test is dropped
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.validated: list[dict[str, Any]] = []
        self.send_requests = 0
        self.access_tokens: set[str] = set()
        self.tokens_issued = 0
        self.token_refusals: list[str] = []
        self.unregistered: set[str] = set()
        self.invalid_tokens: set[str] = set()
        self.other_sender: set[str] = set()
        self.scripted_sends: deque[Scripted] = deque()
        self.scripted_tokens: deque[Scripted] = deque()
        self.seen_connections: set[tuple[str, int]] = set()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def start(self) -> FcmStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.messages.clear()
            self.validated.clear()
            self.send_requests = 0
            self.access_tokens.clear()
            self.tokens_issued = 0
            self.token_refusals.clear()
            self.unregistered.clear()
            self.invalid_tokens.clear()
            self.other_sender.clear()
            self.scripted_sends.clear()
            self.scripted_tokens.clear()
            self.seen_connections.clear()
            self.token_lifetime = 3600
            self.send_delay = 0.0

    # ----------------------------------------------------------------- steering

    def fail_next(
        self,
        code: int,
        status: str,
        error_code: str | None = None,
        *,
        message: str = "scripted failure",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self.scripted_sends.append(
                Scripted(code, google_error(code, status, message, error_code), headers or {})
            )

    def fail_next_token(self, code: int, body: dict[str, Any], **headers: str) -> None:
        self.scripted_tokens.append(Scripted(code, body, headers))

    def revoke_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def texts_to(self, token: str) -> list[str]:
        with self.lock:
            return [
                f"{m['notification'].get('title', '')}\n{m['notification'].get('body', '')}"
                for m in self.messages
                if m.get("token") == token
            ]

    # ------------------------------------------------------------------ serving

    def issue_token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        def refuse(description: str) -> tuple[int, dict[str, Any]]:
            self.token_refusals.append(description)
            return 400, {"error": "invalid_grant", "error_description": description}

        if form.get("grant_type") != [GRANT_TYPE]:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant_type"}
        assertion = (form.get("assertion") or [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS256"],
                audience=self.token_url,
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
            )
        except jwt.PyJWTError as exc:
            return refuse(f"Invalid JWT: {type(exc).__name__}")
        if header.get("kid") != self.key_id:
            return refuse("Invalid JWT Signature: unknown key id")
        if claims["iss"] != self.client_email:
            return refuse("Invalid issuer")
        if SCOPE not in str(claims["scope"]).split():
            return refuse("Invalid scope")
        if not 0 < claims["exp"] - claims["iat"] <= 3600:
            return refuse("Invalid JWT: lifetime over an hour")
        token = "ya29.stub-" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens.add(token)
            self.tokens_issued += 1
        return 200, {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }

    def send(self, project: str, authorization: str, body: Any) -> tuple[int, dict[str, Any]]:
        bearer = authorization.removeprefix("Bearer ")
        with self.lock:
            self.send_requests += 1
            known = authorization.startswith("Bearer ") and bearer in self.access_tokens
        if not known:
            return 401, google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            )
        if project != self.project_id:
            return 403, google_error(
                403,
                "PERMISSION_DENIED",
                f"Permission 'cloudmessaging.messages.create' denied on resource "
                f"'//cloudresourcemanager.googleapis.com/projects/{project}'",
            )
        problem = self.invalid_shape(body)
        if problem is not None:
            field_name, description = problem
            return 400, google_error(
                400,
                "INVALID_ARGUMENT",
                f"Invalid value at '{field_name}': {description}",
                "INVALID_ARGUMENT",
                [{"field": field_name, "description": description}],
            )
        message = body["message"]
        token = message.get("token")
        if token in self.invalid_tokens:
            return 400, google_error(
                400,
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                "INVALID_ARGUMENT",
                [{"field": "message.token", "description": "Invalid registration token"}],
            )
        if token in self.unregistered:
            return 404, google_error(
                404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"
            )
        if token in self.other_sender:
            return 403, google_error(
                403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"
            )
        with self.lock:
            (self.validated if body.get("validate_only") else self.messages).append(message)
            number = len(self.messages) + len(self.validated)
        return 200, {"name": f"projects/{project}/messages/0:{number}"}

    @staticmethod
    def invalid_shape(body: Any) -> tuple[str, str] | None:
        """FCM's validation of a ``messages:send`` body, for what the channel sends."""
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            return "message", "required"
        unknown = set(body) - {"message", "validate_only"}
        if unknown:
            return sorted(unknown)[0], "Cannot find field."
        message = body["message"]
        targets = [k for k in ("token", "topic", "condition") if message.get(k)]
        if len(targets) != 1:
            return "message", "exactly one of token, topic or condition"
        for key, value in (message.get("data") or {}).items():
            if not isinstance(value, str):
                return f"message.data[{key}].value", "Invalid value: a string is required"
        android = message.get("android") or {}
        if android.get("priority", "NORMAL") not in ("NORMAL", "HIGH"):
            return "message.android.priority", "Invalid value"
        if "ttl" in android and not DURATION.match(str(android["ttl"])):
            return "message.android.ttl", "Invalid duration"
        for name, value in ((message.get("apns") or {}).get("headers") or {}).items():
            if not isinstance(value, str):
                return f"message.apns.headers[{name}].value", "a string is required"
        notification = message.get("notification") or {}
        if not all(isinstance(v, str) for v in notification.values()):
            return "message.notification", "string fields"
        return None


def _handler(stub: FcmStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is observable

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with stub.lock:
                stub.seen_connections.add(self.client_address[:2])
            if self.path == "/token":
                scripted = stub.scripted_tokens.popleft() if stub.scripted_tokens else None
                if scripted is not None:
                    self._answer(scripted.status, scripted.body, scripted.headers)
                    return
                form = parse_qs(raw.decode())
                self._answer(*stub.issue_token(form), {})
                return
            match = SEND_PATH.match(self.path)
            if match is None:
                self._answer(404, google_error(404, "NOT_FOUND", "no such method"), {})
                return
            if stub.send_delay:
                generation = stub.generation
                time.sleep(stub.send_delay)
                if stub.generation != generation:  # its test is over (its client gave up)
                    self.close_connection = True
                    return
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                self._answer(400, google_error(400, "INVALID_ARGUMENT", "JSON expected"), {})
                return
            scripted = stub.scripted_sends.popleft() if stub.scripted_sends else None
            if scripted is not None:
                with stub.lock:
                    stub.send_requests += 1
                self._answer(scripted.status, scripted.body, scripted.headers)
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._answer(400, google_error(400, "INVALID_ARGUMENT", "Invalid JSON"), {})
                return
            status, answer = stub.send(match.group(1), self.headers.get("Authorization", ""), body)
            self._answer(status, answer, {})

    return Handler


def running_stub(**kwargs: Any) -> Iterator[FcmStub]:
    stub = FcmStub(**kwargs).start()
    try:
        yield stub
    finally:
        stub.stop()
