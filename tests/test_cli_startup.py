"""The CLI starts fast: building it imports none of the heavy libraries.

Wall-clock limits flake on a busy machine; which modules got imported does
not. FastAPI, SQLAlchemy (and so the models), Celery, numpy, faker and PIL
cost seconds together: commands import them inside their functions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "sqlalchemy", "sqlmodel", "celery", "kombu", "numpy", "faker", "PIL", "alembic")

REPORT_HEAVY = """
import json, sys
{code}
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _heavy_modules_after(code: str, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    result = subprocess.run(
        [sys.executable, "-c", REPORT_HEAVY.format(code=code, heavy=HEAVY)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library(tmp_path: Path) -> None:
    assert _heavy_modules_after("import socialflow.cli", tmp_path) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["users", "create", "--help"],
        ["migrate", "--help"],
        ["seed", "--help"],
    ],
)
def test_help_loads_plugins_but_no_heavy_library(tmp_path: Path, argv: list[str]) -> None:
    """The whole CLI is built (every command, every plugin's commands) for any --help."""
    code = (
        "import contextlib, io\n"
        f"sys.argv = ['socialflow', *{argv!r}]\n"
        "from socialflow.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main()\n"
    )
    assert _heavy_modules_after(code, tmp_path) == []


def test_the_cli_role_names_are_the_account_roles() -> None:
    from socialflow.accounts.cli import RoleName
    from socialflow.accounts.models import Role

    assert [role.value for role in RoleName] == [role.value for role in Role]
