"""An optional app switched off is absent: no routes, tasks, commands or migrations.

The app here is installed the way any app is: a distribution on the path
whose ``entry_points.txt`` names its hook module in the ``socialflow.apps``
group. Its table lives on an Alembic branch of its own.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from socialflow.app import create_app
from socialflow.cli import build_cli
from socialflow.cli.db import migrate_to_head
from socialflow.core.platform import Platform
from socialflow.core.settings import Settings, SettingsError
from socialflow.plugins.apps import LoadedApp, order_apps
from socialflow.plugins.specs import AppInfo
from socialflow.testing.server import run_server

HOOKS = """
from pathlib import Path
from fastapi import APIRouter
from socialflow import hookimpl
from socialflow.plugins.specs import AppInfo

router = APIRouter(prefix="/polls", tags=["polls"])

@router.get("")
def list_polls():
    return {"items": []}

@hookimpl
def socialflow_apps():
    return [AppInfo("polls", "Polls", requires=("accounts",), optional=True)]

@hookimpl
def socialflow_routers():
    return [router]

@hookimpl
def socialflow_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]

@hookimpl
def socialflow_task_modules():
    return ["polls_app.tasks"]

@hookimpl
def socialflow_cli(app):
    @app.command("polls")
    def polls():
        print("no polls yet")
"""

TASKS = """
from celery import shared_task

@shared_task(name="polls.close")
def close():
    return "closed"
"""

MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "polls0001"
down_revision = None
branch_labels = ("polls",)
depends_on = "ae23774344b2"

def upgrade():
    op.create_table("polls", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("polls")
"""


@pytest.fixture
def polls_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``polls`` app, installed on the path like any distribution."""
    root = tmp_path / "site"
    package = root / "polls_app"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "hooks.py").write_text(textwrap.dedent(HOOKS))
    (package / "tasks.py").write_text(textwrap.dedent(TASKS))
    (package / "migrations" / "polls0001_polls.py").write_text(textwrap.dedent(MIGRATION))
    dist = root / "polls_app-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: polls-app\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[socialflow.apps]\npolls = polls_app.hooks\n")
    monkeypatch.syspath_prepend(str(root))
    yield
    for name in [m for m in sys.modules if m == "polls_app" or m.startswith("polls_app.")]:
        del sys.modules[name]  # the next test's copy lives in another folder


def _platform(project: Path, **values: Any) -> Platform:
    database = f"sqlite:///{project / 'socialflow.db'}"
    return Platform(Settings(project_dir=project, database_url=database, **values)).start()


@pytest.mark.parametrize("disabled", [False, True])
def test_a_switched_off_app_leaves_no_trace_and_the_rest_works(
    polls_app: None, tmp_path: Path, disabled: bool
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    platform = _platform(project, disabled_apps=["polls"] if disabled else [])
    try:
        assert ("polls" in platform.plugins.app_names()) is not disabled
        migrate_to_head(platform)
        assert ("polls" in inspect(platform.engine).get_table_names()) is not disabled
        # Celery's shared tasks are process-global: what matters is what a worker imports.
        assert ("polls_app.tasks" in platform.celery.conf.include) is not disabled
        with run_server(create_app(platform=platform)) as url, httpx.Client(base_url=url) as http:
            polls = http.get("/api/v1/polls")
            assert polls.status_code == (404 if disabled else 200)
            registered = http.post(
                "/api/v1/auth/register",
                json={"username": "voter", "email": "v@example.com", "password": "a long phrase"},
            )
            assert registered.status_code == 201, registered.text
    finally:
        platform.stop()


@pytest.mark.parametrize("disabled", [False, True])
def test_a_switched_off_app_adds_no_command(
    polls_app: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, disabled: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    if disabled:
        monkeypatch.setenv("SOCIALFLOW_DISABLED_APPS", "polls")
    else:
        monkeypatch.delenv("SOCIALFLOW_DISABLED_APPS", raising=False)
    result = CliRunner().invoke(build_cli(), ["polls"])
    if disabled:
        assert result.exit_code != 0
        assert "No such command" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert "no polls yet" in result.output


def test_only_optional_apps_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="`feeds`, which cannot be switched off"):
        _platform(tmp_path, disabled_apps=["feeds"])
    with pytest.raises(SettingsError, match="names nonsense, which no installed app is"):
        _platform(tmp_path, disabled_apps=["nonsense"])


def _app(name: str, *requires: str, optional: bool = False) -> LoadedApp:
    return LoadedApp(AppInfo(name, name, requires, optional), ModuleType(name), name)


def test_requirements_order_apps_and_are_checked() -> None:
    found = {a.info.name: a for a in (_app("c", "b"), _app("b", "a"), _app("a"))}
    ordered, disabled = order_apps(found, set())
    assert [a.info.name for a in ordered] == ["a", "b", "c"]
    assert disabled == []

    optional = {**found, "b": _app("b", "a", optional=True)}
    with pytest.raises(SettingsError, match="app `c` requires app `b`, which setting"):
        order_apps(optional, {"b"})
    with pytest.raises(SettingsError, match="requires app `z`, which is not installed"):
        order_apps({"a": _app("a", "z")}, set())
    with pytest.raises(SettingsError, match="circle"):
        order_apps({"a": _app("a", "b"), "b": _app("b", "a")}, set())
