"""The app factory's surface: health, readiness, metrics, OpenAPI, errors, request ids, logs."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialflow.app import create_app
from socialflow.testing.server import run_server


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_part(client: httpx.Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) == {"database", "broker", "storage", "migrations"}


def test_readyz_names_the_failing_part(socialflow_settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings = socialflow_settings.model_copy(update={"media_dir": blocker})
    with run_server(create_app(settings)) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["failing"] == ["storage"]
    assert "storage" in body["detail"]


def test_openapi_document_is_valid(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auth/register" in document["paths"]
    assert "/healthz" in document["paths"]


def test_metrics_count_requests_by_route_template(client: httpx.Client) -> None:
    client.get("/api/v1/users/someone")
    client.get("/api/v1/users/someone-else")
    text = client.get("/metrics").text
    assert 'route="/api/v1/users/{username}"' in text
    assert "socialflow_http_request_duration_seconds_bucket" in text
    assert "someone-else" not in text


def test_request_id_is_generated_or_echoed(client: httpx.Client) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "<script> id"})
    assert unsafe.headers["x-request-id"] != "<script> id"


@pytest.mark.parametrize(
    ("method", "path", "status", "slug"),
    [
        ("GET", "/no/such/route", 404, "not-found"),
        ("DELETE", "/healthz", 405, "method-not-allowed"),
        ("GET", "/api/v1/users/me", 401, "unauthorized"),
    ],
)
def test_errors_are_problem_json(
    client: httpx.Client, method: str, path: str, status: int, slug: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:socialflow:problem:{slug}"
    assert body["status"] == status
    assert body["instance"] == path
    assert {"title", "detail"} <= set(body)


def test_validation_errors_list_fields(client: httpx.Client) -> None:
    response = client.post("/api/v1/auth/register", json={"username": "x", "role": "admin"})
    assert response.status_code == 422
    body = response.json()
    fields = {error["field"] for error in body["errors"]}
    assert {"username", "email", "password", "role"} <= fields


def test_malformed_json_is_a_problem_not_a_500(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def crashing_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    folder = tmp_path / "crash_plugin_dir"
    folder.mkdir()
    (folder / "crash_plugin.py").write_text(
        textwrap.dedent(
            """
            from fastapi import APIRouter
            from socialflow import hookimpl

            router = APIRouter()

            @router.get("/crash")
            def crash():
                raise RuntimeError("database password is hunter2")

            @hookimpl
            def socialflow_routers():
                return [router]
            """
        )
    )
    monkeypatch.syspath_prepend(str(folder))
    return {"plugin_modules": ["crash_plugin"]}


@pytest.fixture
def socialflow_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "crashing_plugin" in request.fixturenames:
        return request.getfixturevalue("crashing_plugin")
    return {}


def test_unexpected_errors_are_500_problems_without_internals(
    client: httpx.Client, crashing_plugin: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    response = client.get("/api/v1/crash", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.json()["type"] == "urn:socialflow:problem:internal-error"
    assert "hunter2" not in response.text
    assert response.headers["x-request-id"] == "crash-1"


def test_access_log_is_json_with_the_request_id(
    client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    client.get("/healthz", headers={"X-Request-ID": "log-check-1"})
    captured = ""
    for _ in range(50):  # the line is written just after the response is sent
        captured += capfd.readouterr().err
        if "log-check-1" in captured:
            break
        time.sleep(0.02)
    lines = [line for line in captured.splitlines() if "log-check-1" in line]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r.get("event") == "request"]
    assert access, lines
    assert access[0]["request_id"] == "log-check-1"
    assert access[0]["route"] == "/healthz"
    assert access[0]["status"] == 200


def test_the_feed_fast_lane_behaves_like_the_router(client: httpx.Client) -> None:
    """``/feed/home`` and ``/feed/explore`` skip FastAPI's router (api.hot_routes):
    the same problems, request ids, metrics labels and OpenAPI entries as any route."""
    anonymous = client.get("/api/v1/feed/home")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["instance"] == "/api/v1/feed/home"
    assert len(anonymous.headers["x-request-id"]) == 32
    bad = client.get("/api/v1/feed/explore", params={"limit": "0"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "limit"
    assert client.get("/api/v1/feed/explore").json() == {"items": [], "next_cursor": None}
    assert client.post("/api/v1/feed/explore").status_code == 405  # other methods: the router
    text = client.get("/metrics").text
    assert 'route="/api/v1/feed/explore"' in text
    assert 'route="/api/v1/feed/home"' in text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/feed/home", "/api/v1/feed/explore"} <= set(paths)
