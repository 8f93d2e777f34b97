"""The embedding examples run: socialflow inside someone else's FastAPI app."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from socialflow.testing.processes import stop_process_group
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


def _socialflow(*args: str) -> Any:
    """``socialflow ...`` in this process (a subprocess pays seconds of start-up each)."""
    from typer.testing import CliRunner

    from socialflow.cli import build_cli

    return CliRunner().invoke(build_cli(with_plugins=False), list(args), env={"COLUMNS": "200"})


@contextmanager
def _worker(project: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``socialflow worker`` for ``project``, stopped (with its pool) afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "socialflow", "worker", "-C", str(project), "--pool", "solo"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_process_group(process, timeout=15)


def _wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"no {what} after {timeout}s")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "with_worker"), [("embed_include_router", False), ("embed_mount", True)]
)
def test_the_docstring_steps_work_from_nothing(
    tmp_path: Path, example: str, with_worker: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the examples' docstrings tell a user to do, in order, on a new project.

    Before ``socialflow migrate`` readiness says to run it; after it the API
    works; mail queued while no worker runs is delivered once one starts.
    """
    module = load_example(example)
    doc = module.__doc__ or ""
    for step in ("socialflow new mysite", "socialflow migrate -C mysite", "socialflow worker"):
        assert step in doc, f"{example}'s docstring lost the step `{step}`"
    for name in [n for n in os.environ if n.startswith("SOCIALFLOW_")]:
        monkeypatch.delenv(name)  # the project file decides, as for a user
    monkeypatch.chdir(tmp_path)
    created = _socialflow("new", "mysite")
    assert created.exit_code == 0, created.output
    project = tmp_path / "mysite"
    monkeypatch.setenv("SOCIALFLOW_PROJECT_DIR", str(project))

    with run_server(module.build_app()) as url, httpx.Client(base_url=url) as http:
        unready = http.get("/social/readyz")
        assert unready.status_code == 503
        assert "migrations" in unready.json()["failing"]
        assert "socialflow migrate" in unready.json()["detail"]
        assert str(project) not in unready.json()["checks"]["migrations"]["detail"]

    migrated = _socialflow("migrate", "-C", "mysite")
    assert migrated.exit_code == 0, migrated.output
    with run_server(module.build_app()) as url, httpx.Client(base_url=url) as http:
        ready = http.get("/social/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["migrations"]["ok"] is True
        created_user = http.post(
            "/social/api/v1/auth/register",
            json={"username": "first", "email": "first@example.com", "password": "a long phrase"},
        )
        assert created_user.status_code == 201, created_user.text
        if not with_worker:
            return
        time.sleep(1)
        listed = _socialflow("mail", "list", "-C", str(project))
        assert "The outbox is empty" in listed.output  # no worker: the mail waits in the broker

        with _worker(project, tmp_path / "worker.log"):
            _wait_for(
                lambda: "first@example.com" in http.get("/social/dev/outbox").text,
                timeout=60,
                what="verification mail in the outbox once a worker runs",
            )
        shown = _socialflow("mail", "show", "-C", str(project))
        assert "Confirm your email" in shown.output, shown.output
        assert "/verify-email?token=" in shown.output


def test_a_library_user_takes_only_accounts_and_social(platform: Any) -> None:
    """Only the named apps' routes are mounted; what they build on keeps working."""
    host_app = load_example("embed_accounts_and_social").build_app(platform)
    with run_server(host_app) as url, httpx.Client(base_url=url) as http:
        registered = http.post(
            "/api/v1/auth/register",
            json={"username": "poster", "email": "p@example.com", "password": "a long phrase"},
        )
        assert registered.status_code == 201, registered.text
        login = http.post(
            "/api/v1/auth/login",
            json={"username_or_email": "poster", "password": "a long phrase"},
        )
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        post = http.post("/api/v1/posts", json={"text": "hello #only"}, headers=headers)
        assert post.status_code == 201, post.text
        assert http.get(f"/api/v1/posts/{post.json()['id']}").json()["text"] == "hello #only"
        paths = set(http.get("/openapi.json").json()["paths"])
        assert "/api/v1/posts" in paths
        assert "/api/v1/auth/login" in paths
        # Feeds, search, notifications and uploads are other apps: not mounted.
        for absent in ("/api/v1/feed/home", "/api/v1/search", "/api/v1/notifications"):
            assert absent not in paths
            assert http.get(absent, headers=headers).status_code == 404
        assert not any(path.startswith("/api/v1/uploads") for path in paths)
