"""How the demo serves the example web client: its files at /web/, a CSP of their own
that stops at /web/ (the API keeps its own), and the demo's app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.core.http.edge import API_CSP
from socialflow.demo.web_client import (
    WEB_CLIENT_CSP,
    create_demo_app,
    example_web_client,
)
from socialflow.testing.server import run_server
from tests.web_client.conftest import EXAMPLE


def test_the_page_and_its_modules_are_served_with_the_web_clients_policy(
    client: httpx.Client,
) -> None:
    page = client.get("/web/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/main.js">' in page.text
    assert page.headers["content-security-policy"] == WEB_CLIENT_CSP
    # The platform's other security headers still apply.
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    module = client.get("/web/js/main.js")
    assert module.status_code == 200
    assert module.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert client.get("/web/vendor/hls.light.min.mjs").status_code == 200


def test_the_policy_allows_only_what_the_client_needs() -> None:
    directives = dict(part.strip().split(" ", 1) for part in WEB_CLIENT_CSP.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["connect-src"] == "'self'"  # the API and its WebSocket, same origin
    assert directives["frame-ancestors"] == "'none'"
    assert "blob:" in directives["media-src"]  # Media Source Extensions streams


def test_the_api_keeps_its_own_policy(client: httpx.Client) -> None:
    for path in ("/api/v1/feed/explore", "/healthz", "/api/v1/nothing-here"):
        assert client.get(path).headers["content-security-policy"] == API_CSP, path


def test_the_folder_path_and_unknown_files(client: httpx.Client) -> None:
    bare = client.get("/web", follow_redirects=False)
    assert bare.status_code in {307, 308}
    assert bare.headers["location"].endswith("/web/")
    missing = client.get("/web/nothing.js")
    assert missing.status_code == 404
    # A miss is the platform's problem answer, under the API's stricter policy.
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["content-security-policy"] == API_CSP
    # No way out of the folder.
    assert client.get("/web/../pyproject.toml").status_code == 404
    assert client.get("/web/%2e%2e/package.json").status_code == 404


def test_the_demo_app_serves_the_checkouts_example(socialflow_settings: Any) -> None:
    assert example_web_client() == EXAMPLE
    app = create_demo_app(socialflow_settings)
    with run_server(app) as url:
        page = httpx.get(f"{url}/web/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == WEB_CLIENT_CSP


def test_the_demo_serves_no_client_where_the_install_has_none(
    socialflow_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socialflow

    monkeypatch.setattr(socialflow, "__file__", str(tmp_path / "socialflow" / "__init__.py"))
    assert example_web_client() is None
    app = create_demo_app(socialflow_settings)
    with run_server(app) as url:
        assert httpx.get(f"{url}/web/").status_code == 404
