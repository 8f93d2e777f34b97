"""examples/custom_ranker installs with pip and works as a plugin.

The example is installed with pip into a scratch ``--target`` folder (not
into the running venv, so other tests never see it) and put on
``PYTHONPATH`` of subprocesses: its own tests (the ranker conformance suite,
and a platform with ``ranker = "popular"`` ranking through
``platform.provider("ranker")``) run there, and ``socialflow plugins list``
shows it active. Extending this to the HTTP home feed is a matter of adding a
test using the ``client`` fixture to ``examples/custom_ranker/tests``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from socialflow.testing import toml

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_ranker"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
            "--target", str(target), str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(target.glob("socialflow_custom_ranker-*.dist-info"))
    return target


def env_with(target: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(target)}


def test_example_passes_its_tests_once_installed(installed_example: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        env=env_with(installed_example),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "12 passed" in result.stdout, result.stdout[-2000:]  # suite, settings, home feed


def test_plugins_list_shows_it_active(installed_example: Path, tmp_path: Path) -> None:
    toml.write(
        tmp_path / "socialflow.toml",
        {"secret_key": "k" * 48, "ranker": "popular", "plugin": {"popular": {"like_weight": 2}}},
    )
    result = subprocess.run(
        [sys.executable, "-m", "socialflow", "plugins", "list", "--project", str(tmp_path)],
        env={**env_with(installed_example), "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "custom_ranker" in result.stdout
    assert "ranker:popular (active)" in result.stdout
