"""One delivery attempt over HTTP: checked, pinned, redirects followed by hand.

Each hop's host is resolved and every address checked
(:func:`socialflow.webhooks.targets.resolve`); the connection then goes to
the checked address itself, with the host name in the ``Host`` header and
in TLS (SNI and certificate verification), so DNS cannot answer differently
between the check and the connection (no time-of-check/time-of-use gap).
Proxies from the environment are ignored for the same reason.

Redirects 301, 302, 307 and 308 are followed, at most
:data:`MAX_REDIRECTS`, each new URL checked like the first, with the same
POST and body (the signature covers the id, the timestamp and the body, not
the URL). Only the first :data:`SNIPPET_BYTES` of an answer are read.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from socialflow.webhooks.targets import Target, TargetPolicy, TargetRefused, resolve

MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 307, 308})
SNIPPET_BYTES = 1024
USER_AGENT = "socialflow-webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status: int | None
    snippet: str | None
    duration_ms: int
    error: str | None


def _pinned_url(target: Target) -> str:
    """``target.url`` with its host replaced by the checked address."""
    parts = urlsplit(target.url)
    literal = str(target.address)
    if isinstance(target.address, ipaddress.IPv6Address):
        literal = f"[{literal}]"
    return urlunsplit(
        (parts.scheme, f"{literal}:{target.port}", parts.path or "/", parts.query, "")
    )


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _read_snippet(response: httpx.Response) -> str:
    taken = b""
    for chunk in response.iter_raw():
        taken += chunk
        if len(taken) >= SNIPPET_BYTES:
            break
    return taken[:SNIPPET_BYTES].decode("utf-8", errors="replace")


def send(
    policy: TargetPolicy,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
) -> AttemptResult:
    """POST ``body`` to ``url``; never raises for network or policy failures."""
    started = time.monotonic()

    def result(
        ok: bool, status: int | None, snippet: str | None, error: str | None
    ) -> AttemptResult:
        elapsed = int((time.monotonic() - started) * 1000)
        return AttemptResult(ok, status, snippet, elapsed, error)

    current = url
    with httpx.Client(trust_env=False, follow_redirects=False, verify=True) as client:
        for hop in range(MAX_REDIRECTS + 1):
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                return result(False, None, None, "timed out")
            try:
                target = resolve(policy, current)
            except TargetRefused as exc:
                where = "redirect target refused" if hop else "target refused"
                return result(False, None, None, f"{where}: {exc}")
            request = client.build_request(
                "POST",
                _pinned_url(target),
                content=body,
                headers={
                    **headers,
                    "Host": _host_header(target),
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                },
                extensions={
                    "sni_hostname": target.host,
                    "timeout": httpx.Timeout(remaining).as_dict(),
                },
            )
            try:
                response = client.send(request, stream=True)
                try:
                    snippet = _read_snippet(response)
                finally:
                    response.close()
            except httpx.TimeoutException:
                return result(False, None, None, "timed out")
            except httpx.HTTPError as exc:
                return result(False, None, None, f"connection failed: {type(exc).__name__}")
            status = response.status_code
            if status in REDIRECTS and response.headers.get("location"):
                if hop == MAX_REDIRECTS:
                    return result(False, status, snippet, f"more than {MAX_REDIRECTS} redirects")
                current = urljoin(current, response.headers["location"])
                continue
            if 200 <= status < 300:
                return result(True, status, snippet, None)
            return result(False, status, snippet, f"answered HTTP {status}")
    return result(False, None, None, f"more than {MAX_REDIRECTS} redirects")  # pragma: no cover
