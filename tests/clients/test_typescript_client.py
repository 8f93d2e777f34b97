"""The generated TypeScript client type-checks and walks the main journey on Node.

``socialflow sdk build --no-python`` writes the TypeScript package into the
test session's folder, with the tools ``npm ci --prefix clients/ts`` installed
(``.ci/run`` does it; the lock file is committed). ``tsc`` compiles the
package with ``tests/clients/ts/journey.ts`` under the package's strict
settings: calls the document forbids are marked ``@ts-expect-error``, so the
build fails if the types stop catching them. Node then runs the journey
against a live server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialflow.cli import build_cli, sdk_typescript
from socialflow.testing.services import require_binary, skip_or_fail
from socialflow.testing.video import make_clip

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "clients" / "ts"
JOURNEY = Path(__file__).with_name("ts") / "journey.ts"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TypeScript package built by ``socialflow sdk build`` and compiled with the
    journey; returns its folder."""
    node = require_binary("node")
    modules = COMMITTED / "node_modules"
    if not (modules / ".bin" / "openapi-typescript").exists():
        skip_or_fail("the TypeScript tools are not installed: npm ci --prefix clients/ts")
    project = tmp_path_factory.mktemp("sdk-ts")
    package = project / "clients" / "ts"
    package.mkdir(parents=True)
    (package / "node_modules").symlink_to(modules, target_is_directory=True)
    result = CliRunner().invoke(
        build_cli(with_plugins=False),
        ["sdk", "build", "--out", str(project / "clients"), "--no-python", "-C", str(project)],
    )
    assert result.exit_code == 0, result.output
    assert (package / "src" / "schema.d.ts").is_file()
    shutil.copy(JOURNEY, package / "src" / "journey.ts")
    tsc = subprocess.run(
        [node, str(modules / "typescript" / "bin" / "tsc"), "-p", str(package)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    return package


@pytest.mark.ffmpeg
def test_the_main_journey_through_the_typescript_client(
    compiled: Path, live_server: str, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0, size="320x180")
    run = subprocess.run(
        [require_binary("node"), str(compiled / "dist" / "journey.js"), live_server, str(clip)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "journey ok" in run.stdout


def test_the_committed_package_is_what_sdk_build_writes() -> None:
    """``clients/ts`` in the source tree (with its lock file, for ``npm ci``) holds the
    files ``socialflow sdk build`` writes around the generated schema."""
    expected = sdk_typescript.skeleton("@socialflow/client", "0.0.0")
    assert (COMMITTED / "src" / "index.ts").read_text() == expected["src/index.ts"]
    assert (COMMITTED / "tsconfig.json").read_text() == expected["tsconfig.json"]
    committed = json.loads((COMMITTED / "package.json").read_text())
    wanted = json.loads(expected["package.json"])
    for key in ("dependencies", "devDependencies", "scripts", "type"):
        assert committed[key] == wanted[key], key
    lock = json.loads((COMMITTED / "package-lock.json").read_text())
    locked = lock["packages"][""]
    assert locked["dependencies"] == wanted["dependencies"]
    assert locked["devDependencies"] == wanted["devDependencies"]


def test_sdk_build_says_how_to_install_the_typescript_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without openapi-typescript, the build writes the package files and says what to run."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "clients"
    result = CliRunner().invoke(
        build_cli(with_plugins=False),
        ["sdk", "build", "--out", str(out), "--no-python", "-C", str(tmp_path)],
    )
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "openapi-typescript is not installed: run `npm install` in" in message
    assert json.loads((out / "ts" / "package.json").read_text())["dependencies"]
    assert (out / "openapi.json").is_file()
