"""The OpenAPI document is fit for client generators: stable ids, examples, tags, guides.

Generated clients (``socialflow sdk build``) name their functions after the
operation ids, so a renamed id breaks every app built on them: the ids are
pinned in ``operation_ids.txt`` beside this file, and a change to them must be
made there too, deliberately. Every request body and every 2xx JSON response
carries an example, so that Swagger UI, ReDoc and the generated clients' docs
show real values; an example must be one its own model accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from socialflow.core.http.examples import examples
from socialflow.core.http.route_marks import api_routes

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
SNAPSHOT = Path(__file__).with_name("operation_ids.txt")


@pytest.fixture
def document(app: Any) -> dict[str, Any]:
    return app.openapi()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def id_lines(document: dict[str, Any]) -> set[str]:
    return {f"{op['operationId']} {method} {path}" for method, path, op in operations(document)}


def test_operation_ids_match_the_committed_list(document: dict[str, Any]) -> None:
    pinned = {
        line.strip()
        for line in SNAPSHOT.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    current = id_lines(document)
    gone, new = sorted(pinned - current), sorted(current - pinned)
    assert (gone, new) == ([], []), (
        f"Operation ids changed; generated clients call them by name. If this is meant, "
        f"update {SNAPSHOT.name}.\nRemove (renamed or dropped):\n  "
        + "\n  ".join(gone or ["-"])
        + "\nAdd:\n  "
        + "\n  ".join(new or ["-"])
    )


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]
    return schema


def _has_example(document: dict[str, Any], media: dict[str, Any]) -> bool:
    """An example on the media type, on the schema it names, or on every non-null
    alternative (``Body | None``), or on the items of an array."""
    if "example" in media or "examples" in media:
        return True
    schema = _schema(document, media.get("schema", {}))
    if schema.get("examples") or "example" in schema:
        return True
    options = [o for o in schema.get("anyOf", ()) if o.get("type") != "null"]
    if options:
        return all(_has_example(document, {"schema": option}) for option in options)
    if schema.get("type") == "array" and "items" in schema:
        return _has_example(document, {"schema": schema["items"]})
    return False


def missing_examples(document: dict[str, Any]) -> list[str]:
    """Each request body and 2xx JSON response of ``document`` without an example."""
    missing = []
    for method, path, operation in operations(document):
        name = f"{operation['operationId']} ({method} {path})"
        body = operation.get("requestBody", {}).get("content", {})
        for content_type, media in body.items():
            if "json" in content_type and not _has_example(document, media):
                missing.append(f"{name}: request body")
        for code, response in operation.get("responses", {}).items():
            media = response.get("content", {}).get("application/json")
            if code.startswith("2") and media is not None and not _has_example(document, media):
                missing.append(f"{name}: {code} response")
    return missing


def test_every_request_body_and_json_response_has_an_example(document: dict[str, Any]) -> None:
    missing = missing_examples(document)
    assert not missing, (
        "These request bodies and responses have no example: give their models "
        "`model_config = examples({...})` (socialflow.core.http.examples), or the route "
        "`responses=json_example(...)`:\n  " + "\n  ".join(missing)
    )


class Thing(BaseModel):
    name: str


class Described(BaseModel):
    model_config = examples({"name": "x"})
    name: str


def test_a_route_without_examples_is_named() -> None:
    """What a new app's route without examples looks like to the check above."""
    app = FastAPI()

    @app.post("/things", response_model=Thing, operation_id="things_create", tags=["things"])
    def create(body: Thing) -> Thing:
        return body

    @app.get("/described", response_model=list[Described], operation_id="things_list")
    def listed() -> list[Described]:
        return []

    assert missing_examples(app.openapi()) == [
        "things_create (POST /things): request body",
        "things_create (POST /things): 200 response",
    ]


def _models(app: Any) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for route in api_routes(app.routes):
        candidates = [getattr(route, "response_model", None)]
        body = getattr(route, "body_field", None)
        if body is not None:
            candidates.append(body.field_info.annotation)
        for candidate in candidates:
            for arg in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    found.add(arg)
    return found


def test_examples_are_accepted_by_their_models(app: Any) -> None:
    models = _models(app)
    assert len(models) > 30
    wrong = []
    for model in models:
        extra = model.model_config.get("json_schema_extra")
        for example in extra.get("examples", []) if isinstance(extra, dict) else []:
            try:
                model.model_validate(example)
            except ValueError as exc:
                wrong.append(f"{model.__module__}.{model.__name__}: {exc}")
    assert not wrong, "\n".join(wrong)


def test_tags_are_described_and_grouped_by_app(document: dict[str, Any]) -> None:
    used = {tag for _, _, op in operations(document) for tag in op["tags"]}
    described = {tag["name"]: tag for tag in document["tags"]}
    assert used == set(described)
    assert all(tag["description"] for tag in described.values())
    groups = {group["name"]: group["tags"] for group in document["x-tagGroups"]}
    grouped = [tag for tags in groups.values() for tag in tags]
    assert sorted(grouped) == sorted(used)  # each tag in exactly one app
    assert {"auth", "users"} <= set(groups["accounts"])
    assert {"uploads", "videos"} <= set(groups["video"])


def test_protocols_beyond_json_link_their_guides(document: dict[str, Any]) -> None:
    tags = {tag["name"]: tag for tag in document["tags"]}
    assert tags["uploads"]["externalDocs"]["url"].endswith("docs/video.md#tus-server")
    assert tags["realtime"]["externalDocs"]["url"].endswith("docs/realtime.md")
    assert "WS /ws" in tags["realtime"]["description"]
    create = document["paths"]["/api/v1/uploads/"]["post"]
    assert create["externalDocs"]["url"].endswith("docs/video.md#tus-server")
    assert document["externalDocs"]["url"].endswith("/docs")
    # The guides linked exist in this source tree.
    root = Path(__file__).parents[2] / "docs"
    for tag in tags.values():
        if "externalDocs" in tag:
            page = tag["externalDocs"]["url"].rsplit("/docs/", 1)[-1].split("#")[0]
            assert (root / page).is_file(), page


def test_no_success_response_pretends_to_be_json(document: dict[str, Any]) -> None:
    """A route that answers without a JSON body (tus, media bytes) does not declare an
    empty JSON schema, which generators would turn into a parsed ``Any``."""
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if code.startswith("2") and media is not None:
                assert media.get("schema") != {} or "example" in media, (method, path, code)
