"""The embedding examples run: socialflow inside someone else's FastAPI app."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from socialflow.testing.server import run_server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("example", ["embed_include_router", "embed_mount"])
def test_embedded_socialflow_serves_under_a_prefix(platform: Any, example: str) -> None:
    host_app = load_example(example).build_app(platform)
    with run_server(host_app) as url, httpx.Client(base_url=url) as http:
        assert http.get("/").json()["product"] == "mine"
        assert http.get("/social/healthz").json() == {"status": "ok"}
        assert http.get("/social/readyz").status_code == 200
        created = http.post(
            "/social/api/v1/auth/register",
            json={
                "username": "embedded",
                "email": "e@example.com",
                "password": "a long passphrase",
            },
        )
        assert created.status_code == 201, created.text
        missing = http.get("/social/api/v1/users/nobody")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
