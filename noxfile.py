"""Developer sessions. Each installs what it needs into its own virtualenv.

nox -s tests            # embedded defaults (SQLite, SQLite broker)
nox -s tests_services   # PostgreSQL + Redis + real Celery workers
nox -s lint             # ruff + mypy
nox -s plugins          # each distribution under plugins/ against its emulator
nox -s bench            # benchmarks/ (numbers go to benchmarks/README.md)
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
ROOT = Path(__file__).parent
PLUGIN_DIRS = sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").exists())


def run_tests(session: nox.Session, backend: str) -> None:
    """The one helper every test session goes through."""
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        *session.posargs,
        env={"SOCIALFLOW_TEST_BACKEND": backend},
    )


@nox.session
def tests(session: nox.Session) -> None:
    run_tests(session, "embedded")


@nox.session
def tests_services(session: nox.Session) -> None:
    run_tests(session, "services")


@nox.session
def lint(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
@nox.parametrize("plugin", [p.name for p in PLUGIN_DIRS])
def plugins(session: nox.Session, plugin: str) -> None:
    session.install("-e", ".[test]", "-e", f"plugins/{plugin}[test]")
    session.run("python", "-m", "pytest", f"plugins/{plugin}/tests", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    session.install("-e", ".[test]", "matplotlib")
    session.run("python", "-m", "pytest", "benchmarks", "--benchmark-only", *session.posargs)
