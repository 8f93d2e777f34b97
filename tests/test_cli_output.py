"""What the CLI prints when its output is piped or captured (CI, scripts, `| grep`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LONG_EMAIL = "a-very-long-address-that-would-never-fit-in-eighty-columns@example-company.example"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    clean = {k: v for k, v in clean.items() if not k.startswith("SOCIALFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "socialflow", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def project_with_a_long_email(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-output")
    assert _cli("new", "site", cwd=folder).returncode == 0
    project = folder / "site"
    assert _cli("migrate", cwd=project).returncode == 0
    created = _cli(
        "users",
        "create",
        "longmail",
        LONG_EMAIL,
        cwd=project,
        SOCIALFLOW_NEW_USER_PASSWORD="correct horse battery staple",
    )
    assert created.returncode == 0, created.stderr
    return project


def test_piped_tables_keep_every_value_whole(project_with_a_long_email: Path) -> None:
    listing = _cli("users", "list", cwd=project_with_a_long_email)
    assert listing.returncode == 0, listing.stderr
    assert LONG_EMAIL in listing.stdout
    assert "…" not in listing.stdout
    row = next(line for line in listing.stdout.splitlines() if "longmail" in line)
    assert len(row) > 80


def test_columns_still_sets_the_width(project_with_a_long_email: Path) -> None:
    """An explicit COLUMNS wins: the table fits in it, cells folded or cut."""
    listing = _cli("users", "list", cwd=project_with_a_long_email, COLUMNS="60")
    assert listing.returncode == 0, listing.stderr
    assert max(len(line) for line in listing.stdout.splitlines()) <= 60
