"""The HTTP edge, through a real server: body limit, security headers, trusted proxies,
what production exposes (docs, metrics, readiness reasons), CORS from the environment."""

from __future__ import annotations

import io
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from socialflow.accounts.models import User
from socialflow.app import create_app
from socialflow.core.settings import load_settings
from socialflow.testing.processes import stop_process_group
from socialflow.testing.server import free_port, run_server
from socialflow.testing.video import TUS

LIMIT = 64 * 1024
OVERSIZE = 4 * LIMIT
STRONG_SECRET = "kR3v-9xQ_2mZpL7wT4yBn8cD1fGh6jKs0uVe5aXoIqE"


@pytest.fixture
def socialflow_overrides() -> dict[str, Any]:
    return {"max_body_bytes": LIMIT}


# ------------------------------------------------------------------ body limit


def _oversize_json() -> bytes:
    return b'{"padding": "' + b"x" * OVERSIZE + b'"}'


def _chunks(body: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body httpx sends chunked (no Content-Length), as a streaming client would."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


# (method, path, needs auth): anonymous and authenticated JSON routes alike.
JSON_ROUTES = [
    ("POST", "/api/v1/auth/login", False),
    ("POST", "/api/v1/auth/register", False),
    ("POST", "/api/v1/posts", True),
    ("PATCH", "/api/v1/users/me", True),
]


def _assert_413(response: httpx.Response, path: str) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:socialflow:problem:payload-too-large"
    assert body["instance"] == path
    assert str(LIMIT) in body["detail"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("method", "path", "auth"), JSON_ROUTES)
def test_oversize_bodies_are_refused_on_every_json_route(
    client: httpx.Client,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
    method: str,
    path: str,
    auth: bool,
    chunked: bool,
) -> None:
    headers = {"content-type": "application/json"}
    if auth:
        headers.update(auth_headers(make_user()))
    body = _oversize_json()
    content: Any = _chunks(body) if chunked else body
    response = client.request(method, path, content=content, headers=headers)
    _assert_413(response, path)


def test_a_body_under_the_limit_goes_through(client: httpx.Client) -> None:
    padding = "x" * (LIMIT - 200)
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "padded", "email": "padded@example.com", "password": padding},
    )
    assert response.status_code in (201, 422), response.text  # the route judged it, not the edge


def test_refused_registration_writes_nothing(client: httpx.Client) -> None:
    body = (
        b'{"username": "bigbody", "email": "bigbody@example.com", "password": "a long passphrase",'
        b' "padding": "' + b"x" * OVERSIZE + b'"}'
    )
    response = client.post(
        "/api/v1/auth/register", content=_chunks(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/api/v1/users/bigbody").status_code == 404


def _raw_request(url: str, head: bytes, first_body_bytes: bytes) -> bytes:
    """Send the head and only the start of a body, then read the answer: the server must
    answer without waiting for (or buffering) the rest."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + first_body_bytes)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_a_declared_huge_body_is_refused_before_it_is_sent(live_server: str) -> None:
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 262144000\r\n\r\n"
    )
    answer = _raw_request(live_server, head, b'{"username_or_email": "')
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"connection: close" in answer.lower()


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(live_server: str) -> None:
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 8192
    # A bit over the limit, and the body never ends: only counting can catch it.
    stream = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // 8192 + 2))
    answer = _raw_request(live_server, head, stream)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def _noisy_png(side: int) -> bytes:
    """A PNG that does not compress: bigger than the JSON limit, smaller than image limits."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_upload_routes_keep_their_own_limits(
    client: httpx.Client,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
) -> None:
    headers = auth_headers(make_user())
    png = _noisy_png(200)
    assert len(png) > LIMIT
    image = client.post("/api/v1/media/images", headers=headers, files={"file": ("a.png", png)})
    assert image.status_code == 201, image.text
    avatar = client.put("/api/v1/users/me/avatar", headers=headers, files={"file": ("a.png", png)})
    assert avatar.status_code == 200, avatar.text

    length = 3 * LIMIT
    tus = {**headers, **TUS, "Content-Type": "application/offset+octet-stream"}
    # creation-with-upload: the whole body on the POST
    created = client.post(
        "/api/v1/uploads/",
        content=os.urandom(length),
        headers={**tus, "Upload-Length": str(length)},
    )
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(length)
    # a PATCH, and the same PATCH through POST + X-HTTP-Method-Override
    for override in ({}, {"X-HTTP-Method-Override": "PATCH"}):
        created = client.post("/api/v1/uploads/", headers={**tus, "Upload-Length": str(length)})
        assert created.status_code == 201, created.text
        patched = client.request(
            "POST" if override else "PATCH",
            created.headers["Location"],
            content=os.urandom(length),
            headers={**tus, "Upload-Offset": "0", **override},
        )
        assert patched.status_code == 204, patched.text
        assert patched.headers["Upload-Offset"] == str(length)


# ------------------------------------------------------------------ security headers

COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/no/such/route"),
        ("GET", "/api/v1/users/me"),
        ("POST", "/api/v1/auth/login"),
        ("GET", "/openapi.json"),
    ],
)
def test_security_headers_are_on_every_response(
    client: httpx.Client, method: str, path: str
) -> None:
    response = client.request(method, path)
    for name, value in COMMON_HEADERS.items():
        assert response.headers[name] == value, (path, name)
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
    assert "strict-transport-security" not in response.headers  # plain http here


def test_docs_pages_get_a_csp_that_lets_them_load(client: httpx.Client) -> None:
    for path in ("/docs", "/redoc"):
        response = client.get(path)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "http" not in policy  # scripts, styles and fonts come from this server only
        for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', response.text):
            assert src.startswith("/"), src
        assert "script-src 'self' 'unsafe-inline'" in policy  # their inline start-up script


def test_personal_responses_are_not_stored_and_public_ones_keep_their_caching(
    client: httpx.Client,
    make_user: Callable[..., User],
    auth_headers: Callable[[User], dict[str, str]],
) -> None:
    headers = auth_headers(make_user("private"))
    assert client.get("/api/v1/users/me", headers=headers).headers["cache-control"] == "no-store"
    assert client.get("/api/v1/feed/home", headers=headers).headers["cache-control"] == "no-store"
    login = client.post("/api/v1/auth/login", json={"username_or_email": "x", "password": "y"})
    assert login.headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/healthz").headers
    assert "cache-control" not in client.get("/api/v1/users/private").headers


def test_hsts_on_an_https_public_url(make_platform: Callable[..., Any]) -> None:
    platform = make_platform(public_url="https://social.example", hsts_max_age_seconds=600)
    with run_server(create_app(platform=platform)) as url:
        response = httpx.get(f"{url}/healthz")
    assert response.headers["strict-transport-security"] == "max-age=600"


# ------------------------------------------------------------------ trusted proxies


def _login_attempts(url: str, forwarded_for: list[str]) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url) as http:
        for address in forwarded_for:
            response = http.post(
                "/api/v1/auth/login",
                json={"username_or_email": f"nobody{len(statuses)}", "password": "wrong password"},
                headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
            )
            statuses.append(response.status_code)
    return statuses


SPOOFED = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]
# Only the per-address limit can bite (accounts differ, lockouts are far away).
LOW_IP_LIMIT = {
    "login_per_ip": "3/minute",
    "login_per_account": "100/minute",
    "lockout_tiers": ["100/minute"],
}


def test_a_spoofed_forwarded_for_does_not_change_the_rate_limit_key(
    make_platform: Callable[..., Any],
) -> None:
    platform = make_platform(rate_limits=LOW_IP_LIMIT)  # trusted_proxies: none
    with run_server(create_app(platform=platform)) as url:
        assert _login_attempts(url, SPOOFED) == [401, 401, 401, 429]
        hsts = httpx.get(f"{url}/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    assert "strict-transport-security" not in hsts


def test_a_trusted_proxy_forwards_the_client_address_and_scheme(
    make_platform: Callable[..., Any],
) -> None:
    platform = make_platform(rate_limits=LOW_IP_LIMIT, trusted_proxies=["127.0.0.0/8"])
    with run_server(create_app(platform=platform)) as url:
        assert _login_attempts(url, SPOOFED) == [401, 401, 401, 401]
        assert _login_attempts(url, ["198.51.100.9"] * 4) == [401, 401, 401, 429]
        hsts = httpx.get(f"{url}/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    assert hsts["strict-transport-security"].startswith("max-age=")


@pytest.fixture
def served_project(socialflow_settings: Any) -> Iterator[str]:
    """``socialflow serve`` on the test project (its socialflow.toml), as users run it."""
    project = Path(socialflow_settings.project_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    log = (project / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow", "serve", "--no-worker", "--port", str(port)],
        cwd=project,
        env={**env, "SOCIALFLOW_PROJECT_DIR": str(project)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail((project / "serve.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        stop_process_group(process, timeout=20)
        log.close()


@pytest.mark.parametrize("socialflow_overrides", [{"rate_limits": LOW_IP_LIMIT}])
def test_socialflow_serve_does_not_trust_a_local_client_by_default(served_project: str) -> None:
    assert _login_attempts(served_project, SPOOFED) == [401, 401, 401, 429]


# ------------------------------------------------------------------ exposure


PRODUCTION = {"environment": "production", "secret_key": STRONG_SECRET, "mail_channel": "smtp"}


def test_production_hides_docs_and_metrics_by_default(make_platform: Callable[..., Any]) -> None:
    platform = make_platform(**PRODUCTION)
    with run_server(create_app(platform=platform)) as url, httpx.Client(base_url=url) as http:
        for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
            response = http.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"
        assert http.get("/healthz").status_code == 200


def test_production_can_expose_docs_and_protect_metrics(make_platform: Callable[..., Any]) -> None:
    token = "mT7_qL2vX9-rB4nK8sD1wF6hJ3zC0pYeUaGiOo5t"
    platform = make_platform(**PRODUCTION, expose_docs=True, metrics_token=token)
    with run_server(create_app(platform=platform)) as url, httpx.Client(base_url=url) as http:
        assert http.get("/openapi.json").status_code == 200
        assert http.get("/docs").status_code == 200
        for given in (None, "Bearer wrong", f"Basic {token}", f"Bearer {token}x"):
            headers = {"Authorization": given} if given else {}
            refused = http.get("/metrics", headers=headers)
            assert refused.status_code == 401, given
            assert "socialflow_http_requests_total" not in refused.text
        allowed = http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200
        assert "socialflow_http_requests_total" in allowed.text


def test_development_serves_docs_and_metrics(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_readyz_names_what_fails_but_not_why(socialflow_settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "secret-folder-name"
    blocker.write_text("a file where the media folder should be")
    settings = socialflow_settings.model_copy(
        update={"media_dir": blocker, "broker_url": "redis://:hunter2@127.0.0.1:1/0"}
    )
    with run_server(create_app(settings)) as url:
        response = httpx.get(f"{url}/readyz", timeout=30)
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker", "storage"]
    assert body["checks"]["database"]["ok"] is True
    for leak in ("secret-folder-name", str(tmp_path), "hunter2", "127.0.0.1:1", "Error"):
        assert leak not in response.text


# ------------------------------------------------------------------ CORS from the environment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://app.example", ["https://app.example"]),
        (
            "https://app.example, https://admin.example",
            ["https://app.example", "https://admin.example"],
        ),
        (
            '["https://app.example", "https://admin.example"]',
            ["https://app.example", "https://admin.example"],
        ),
    ],
    ids=["one", "comma-separated", "json"],
)
def test_cors_origins_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, socialflow_settings: Any, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("SOCIALFLOW_CORS_ORIGINS", value)
    settings = load_settings(socialflow_settings.project_dir)
    assert settings.cors_origins == expected
    with run_server(create_app(settings)) as url:
        for origin in expected:
            preflight = httpx.options(
                f"{url}/api/v1/auth/login",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == origin
        other = httpx.options(
            f"{url}/api/v1/auth/login",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in other.headers
