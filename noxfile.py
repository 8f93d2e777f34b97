"""Developer and CI tasks: ``nox -l`` lists them, ``nox -s NAME`` runs one.

Sessions:

* ``lint``: ruff (check + format) and mypy.
* ``tests``: the core suite on the embedded defaults (SQLite, no Redis).
* ``tests_services``: the core suite on PostgreSQL + Redis, strict (nothing skipped).
* ``plugin-<name>``: one per folder in ``plugins/`` (``plugin-s3``, ``plugin-azure``,
  ``plugin-gcs``...): installs socialflow and the plugin with its ``test`` extra
  and runs the plugin's own tests against its emulator. ``nox -t plugins`` runs them all.
* ``examples``: the example plugins' own tests.
* ``bench``: the benchmarks, short runs.

Arguments after ``--`` go to pytest: ``nox -s tests -- -k storage``.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").is_file())
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*") if (p / "pyproject.toml").is_file())
STRICT = {"SOCIALFLOW_TEST_STRICT": "1"}

nox.options.reuse_existing_virtualenvs = True


def install_socialflow(session: nox.Session, extras: str = "test") -> None:
    session.install("-e", f".[{extras}]")


@nox.session
def lint(session: nox.Session) -> None:
    install_socialflow(session, "dev")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    install_socialflow(session)
    session.run("pytest", *session.posargs)


@nox.session
def tests_services(session: nox.Session) -> None:
    install_socialflow(session)
    session.run("pytest", *session.posargs, env={"SOCIALFLOW_TEST_BACKEND": "services", **STRICT})


def run_package_tests(session: nox.Session, folder: Path) -> None:
    """Install socialflow and the package in ``folder`` with its test extra; run its tests."""
    install_socialflow(session)
    session.install("-e", f"{folder}[test]")
    if (folder / "package.json").is_file():  # test tools from npm (Azurite)
        session.run(
            "npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), external=True
        )
    session.chdir(folder)
    session.run("pytest", *session.posargs, env=STRICT)


def _plugin_session(folder: Path) -> None:
    short = folder.name.removeprefix("socialflow-")

    @nox.session(name=f"plugin-{short}", tags=["plugins"])
    def plugin(session: nox.Session) -> None:
        run_package_tests(session, folder)

    plugin.__doc__ = f"Tests of {folder.name} against its emulator."


for _folder in PLUGINS:
    _plugin_session(_folder)

nox.options.sessions = [
    "lint",
    "tests",
    *(f"plugin-{p.name.removeprefix('socialflow-')}" for p in PLUGINS),
    "examples",
]


@nox.session(tags=["plugins"])
def examples(session: nox.Session) -> None:
    """The example plugins' own tests."""
    for folder in EXAMPLES:
        run_package_tests(session, folder)
        session.chdir(ROOT)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks, short: see benchmarks/README.md for the full runs."""
    install_socialflow(session)
    if not (ROOT / "benchmarks").is_dir():
        session.skip("no benchmarks/ folder yet")
    session.run("pytest", "benchmarks", "--benchmark-only", *session.posargs)
