"""The OpenAPI document tells the truth about errors, and the docs pages work offline."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest

from socialflow.core.errors import PROBLEM_CONTENT_TYPE

PROBLEM_REF = "#/components/schemas/Problem"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


@pytest.fixture
def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_operation_ids_are_short_unique_and_stable(document: dict[str, Any]) -> None:
    ids = Counter(operation["operationId"] for _, _, operation in operations(document))
    duplicates = [name for name, count in ids.items() if count > 1]
    assert not duplicates, duplicates
    for name in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]{2,40}", name), name
    assert {"auth_login", "posts_read_post", "feeds_home", "uploads_patch_upload"} <= set(ids)
    for _, path, operation in operations(document):
        assert operation.get("tags"), path


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert "errors" in problem["properties"]
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert response["content"] == {
                    PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_REF}}
                }, (method, path, code)
                assert response["description"], (method, path, code)


def _codes(document: dict[str, Any], method: str, path: str) -> set[str]:
    return set(document["paths"][f"/api/v1{path}"][method]["responses"])


def test_routes_declare_the_problems_they_give(document: dict[str, Any]) -> None:
    assert {"401", "422", "429"} <= _codes(document, "post", "/auth/login")
    assert {"409", "422", "429"} <= _codes(document, "post", "/auth/register")
    assert {"401", "404", "422"} <= _codes(document, "get", "/posts/{post_id}")
    assert {"401", "404"} <= _codes(document, "delete", "/comments/{comment_id}")
    assert {"401", "422"} <= _codes(document, "get", "/feed/home")
    assert {"409", "412", "413", "415", "460"} <= _codes(document, "patch", "/uploads/{upload_id}")
    assert {"413", "415"} <= _codes(document, "post", "/media/images")
    # A route that needs no input does not pretend to validate any.
    assert "422" not in _codes(document, "get", "/users/me")


def test_optional_tokens_are_declared_optional(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/api/v1/posts/{post_id}"]["get"]["security"] == [{}, {"HTTPBearer": []}]
    assert paths["/api/v1/feed/explore"]["get"]["security"] == [{}, {"HTTPBearer": []}]
    assert paths["/api/v1/feed/home"]["get"]["security"] == [{"HTTPBearer": []}]
    assert paths["/api/v1/users/me"]["get"]["security"] == [{"HTTPBearer": []}]


def test_tus_routes_describe_their_headers(document: dict[str, Any]) -> None:
    create = document["paths"]["/api/v1/uploads/"]["post"]
    names = {p["name"] for p in create["parameters"] if p["in"] == "header"}
    assert {"Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Checksum"} <= names
    assert {"Location", "Upload-Offset", "Upload-Expires", "Video-Id"} <= set(
        create["responses"]["201"]["headers"]
    )
    patch = document["paths"]["/api/v1/uploads/{upload_id}"]["patch"]
    assert {"Tus-Resumable", "Upload-Offset"} <= {
        p["name"] for p in patch["parameters"] if p["in"] == "header"
    }
    assert "application/offset+octet-stream" in patch["requestBody"]["content"]
    head = document["paths"]["/api/v1/uploads/{upload_id}"]["head"]
    assert "Upload-Offset" in head["responses"]["200"]["headers"]


def test_a_real_validation_error_matches_the_documented_problem(client: httpx.Client) -> None:
    response = client.get("/api/v1/posts/2147483648")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "urn:socialflow:problem:validation-error"
    assert body["errors"][0]["field"] == "post_id"
    assert body["errors"][0]["location"] == "path"


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui"), ("/redoc", "redoc")])
def test_docs_pages_load_nothing_from_another_host(
    client: httpx.Client, page: str, script: str
) -> None:
    html = client.get(page)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
    urls += re.findall(r"""(?:url|openapi_url|Url)\s*:\s*['"]([^'"]+)['"]""", html.text)
    assert urls, html.text
    outside = [url for url in urls if re.match(r"^(https?:)?//", url)]
    assert not outside, outside
    assert "cdn." not in html.text
    assert "fonts.googleapis" not in html.text
    assert any(script in url for url in urls if url.endswith(".js")), urls
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
