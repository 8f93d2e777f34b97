"""Developer sessions. Each installs what it needs into its own virtualenv.

nox -s tests            # embedded defaults (SQLite, SQLite broker)
nox -s tests_services   # PostgreSQL + Redis + real Celery workers
nox -s lint             # ruff + mypy
nox -s plugins          # each distribution under plugins/ against its emulator,
                        # one session each: nox -s "plugins(plugin='socialflow-s3')"
nox -s examples         # the example plugins under examples/ (their own tests)
nox -s bench            # benchmarks/ (numbers go to benchmarks/README.md)
nox -s sdk              # the typed Python and TypeScript clients into clients/ (docs/clients.md)
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
ROOT = Path(__file__).parent
PLUGIN_DIRS = sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").exists())
EXAMPLE_DIRS = sorted(p for p in (ROOT / "examples").glob("*") if (p / "pyproject.toml").exists())


def run_tests(session: nox.Session, backend: str) -> None:
    """The one helper every test session goes through: in parallel (pytest-xdist, one
    process per core) unless arguments are given, e.g. ``nox -s tests -- tests/video``."""
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        *(session.posargs or ["-n", "auto"]),
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
    # mypy checks the plugins under plugins/ too, against their libraries.
    session.install("-e", ".[dev]", *(arg for path in PLUGIN_DIRS for arg in ("-e", str(path))))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


def run_package_tests(session: nox.Session, folder: Path) -> None:
    """Install socialflow and the package in ``folder`` with its ``test`` extra, then run
    the package's own tests from its folder (its pytest settings), strictly: a missing
    emulator fails instead of skipping."""
    session.install("-e", ".[test]", "-e", f"{folder}[test]")
    nodeps = folder / "requirements-nodeps.txt"  # installed without their dependencies
    if nodeps.is_file():
        session.install("--no-deps", "-r", str(nodeps))
    with session.chdir(folder):
        if (folder / "package.json").is_file():  # test tools from npm (Azurite)
            session.run("npm", "install", "--no-audit", "--no-fund", external=True)
        session.run("python", "-m", "pytest", *session.posargs, env={"SOCIALFLOW_TEST_STRICT": "1"})


@nox.session
@nox.parametrize("plugin", [p.name for p in PLUGIN_DIRS])
def plugins(session: nox.Session, plugin: str) -> None:
    run_package_tests(session, ROOT / "plugins" / plugin)


@nox.session
@nox.parametrize("example", [p.name for p in EXAMPLE_DIRS])
def examples(session: nox.Session, example: str) -> None:
    run_package_tests(session, ROOT / "examples" / example)


@nox.session
def sdk(session: nox.Session) -> None:
    session.install("-e", ".[sdk]")
    session.run("npm", "ci", "--prefix", "clients/ts", "--no-audit", "--no-fund", external=True)
    session.run("socialflow", "sdk", "build", "--out", "clients", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    session.install("-e", ".[test]", "matplotlib")
    session.run("python", "-m", "pytest", "benchmarks", "--benchmark-only", *session.posargs)
