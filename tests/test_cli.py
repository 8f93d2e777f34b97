"""The CLI as a new user meets it: real subprocesses, real exit codes, no tracebacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from socialflow.core.platform import Platform
from socialflow.core.settings import load_settings
from socialflow.testing.server import free_port


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "socialflow", *args],
        cwd=cwd,
        env={**base, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    result = run_cli("new", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "mysite"


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("new", "migrate", "seed", "serve", "worker", "plugins", "users", "doctor"):
        assert command in result.stdout


def test_every_command_explains_itself(tmp_path: Path) -> None:
    for command in (["new"], ["migrate"], ["serve"], ["worker"], ["plugins", "list"], ["doctor"]):
        result = run_cli(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0, command
        assert "Usage" in result.stdout


def test_new_writes_a_runnable_project_with_a_fresh_secret(project: Path, tmp_path: Path) -> None:
    settings = load_settings(project)
    assert len(settings.secret()) >= 48
    assert (project / "app.py").is_file()
    plugin = project / "plugins" / "mysite-plugin"
    assert "[project.entry-points.socialflow]" in (plugin / "pyproject.toml").read_text()
    other = run_cli("new", "other", cwd=tmp_path)
    assert load_settings(tmp_path / "other").secret() != settings.secret()
    refused = run_cli("new", "mysite", cwd=tmp_path)
    assert refused.returncode == 1
    assert "not empty" in refused.stdout
    assert other.returncode == 0


def test_migrate_doctor_and_plugins_list(project: Path) -> None:
    sql = run_cli("migrate", "--sql", cwd=project)
    assert sql.returncode == 0
    assert "CREATE TABLE users" in sql.stdout
    assert not (project / "socialflow.db").exists()
    migrated = run_cli("migrate", cwd=project)
    assert migrated.returncode == 0, migrated.stderr
    status = run_cli("migrate", "status", cwd=project)
    assert "at head" in status.stdout
    doctor = run_cli("doctor", cwd=project)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for check in ("database", "migrations", "broker", "storage", "ffmpeg", "plugins"):
        assert check in doctor.stdout
    listing = run_cli("plugins", "list", cwd=project)
    assert "local_storage" in listing.stdout
    assert "(active)" in listing.stdout


def test_doctor_names_the_failing_check(project: Path) -> None:
    result = run_cli("doctor", cwd=project)  # not migrated yet
    assert result.returncode == 1
    assert "Failing: migrations" in result.stdout
    assert "socialflow migrate" in result.stdout


@pytest.mark.parametrize(
    ("env", "toml", "expected"),
    [
        # (which providers are listed depends on the plugins installed in the venv)
        ({"SOCIALFLOW_STORAGE": "s4"}, None, "`s4`, which no loaded plugin provides. Available:"),
        (
            {"SOCIALFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            None,
            "Database unreachable",
        ),
        ({}, "site_name = \n", "not valid TOML"),
        (
            {"SOCIALFLOW_ENVIRONMENT": "production", "SOCIALFLOW_SECRET_KEY": "change-me"},
            None,
            "secret_key",
        ),
    ],
)
def test_bad_settings_give_one_clear_message(
    project: Path, env: dict[str, str], toml: str | None, expected: str
) -> None:
    if toml is not None:
        (project / "socialflow.toml").write_text(toml)
    result = run_cli("serve", "--no-worker", "--port", str(free_port()), cwd=project, env=env)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert expected in output
    assert "Traceback" not in output


@pytest.fixture
def served(project: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    log = (project / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow", "serve", "--port", str(port)],
        cwd=project,
        env=base,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail((project / "serve.log").read_text())
    yield url, project
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_serve_migrates_a_new_sqlite_database_and_runs_a_worker(
    served: tuple[str, Path],
) -> None:
    url, project = served
    assert httpx.get(f"{url}/readyz").status_code == 200
    document = httpx.get(f"{url}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "Migrated the SQLite database" in (project / "serve.log").read_text()
    # The embedded worker consumes from the SQLite broker.
    platform = Platform(load_settings(project)).start()
    result = platform.celery.send_task("socialflow.system.ping", args=["from-test"])
    assert result.get(timeout=60)["value"] == "from-test"


def test_serve_gives_uvicorn_the_realtime_frame_limit(tmp_path: Path) -> None:
    from socialflow.cli.run import websocket_options

    database = f"sqlite:///{tmp_path / 'db.sqlite'}"
    settings = load_settings(tmp_path, database_url=database)
    assert websocket_options(settings) == {"ws_max_size": 4096}
    tuned = {"realtime": {"max_message_bytes": 512}}
    settings = load_settings(tmp_path, database_url=database, plugin=tuned)
    assert websocket_options(settings) == {"ws_max_size": 512}


def test_serve_without_the_realtime_app_leaves_uvicorn_its_default(tmp_path: Path) -> None:
    from socialflow.cli.run import websocket_options

    # Switched off, the section is neither read nor validated: uvicorn keeps its 16 MiB.
    settings = load_settings(
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        disabled_apps=["realtime"],
        plugin={"realtime": {"max_message_bytes": 1, "no_such_key": True}},
    )
    assert websocket_options(settings) == {}
