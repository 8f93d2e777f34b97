"""docs/plugins.md, "From `socialflow plugin new` to a published package", run as written.

Scaffold a storage plugin, drop in the tutorial's backend (read from the
docs), ``python -m build`` it, ``socialflow plugins install`` the wheel and
see ``socialflow plugins list`` show the provider active and healthy. The
install goes into a throwaway virtualenv layered on this one (its
``site-packages`` sees ours through a ``.pth`` file), so nothing is left in
the environment the suite runs in and nothing is fetched but the build
backend from the configured package index. About 25 s here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from tests.test_plugin_scaffold import TUTORIAL_FILE, tutorial_code

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def run(python: Path | str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["COLUMNS"] = "250"
    done = subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def layered_venv(folder: Path) -> Path:
    """A virtualenv whose own site-packages come first and which sees this one's too."""
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=folder
    )
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib.stdout.strip(), "_layered.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n"
    )
    return python


def test_the_tutorial_commands_scaffold_build_install_and_list(tmp_path: Path) -> None:
    docs = DOCS.read_text()
    for command in (
        "socialflow plugin new storage acme",
        "python -m build",
        "socialflow plugins install dist/socialflow_acme-0.1.0-py3-none-any.whl",
        "socialflow plugins list",
    ):
        assert command in docs, f"the tutorial no longer says `{command}`"

    run(sys.executable, "-m", "socialflow", "plugin", "new", "storage", "acme", cwd=tmp_path)
    package = tmp_path / "socialflow-acme"
    (package / TUTORIAL_FILE).write_text(tutorial_code(TUTORIAL_FILE))
    run(sys.executable, "-m", "build", cwd=package)
    wheel = package / "dist" / "socialflow_acme-0.1.0-py3-none-any.whl"
    assert wheel.is_file()
    assert (package / "dist" / "socialflow_acme-0.1.0.tar.gz").is_file()

    python = layered_venv(tmp_path / "env")
    installed = run(python, "-m", "socialflow", "plugins", "install", str(wheel), cwd=package)
    assert "Successfully installed socialflow-acme-0.1.0" in installed.stdout
    assert "Plugin acme from socialflow-acme 0.1.0" in installed.stdout

    site = tmp_path / "site"
    site.mkdir()
    (site / "socialflow.toml").write_text(f'secret_key = "{"s" * 48}"\nstorage = "acme"\n')
    table = run(python, "-m", "socialflow", "plugins", "list", cwd=site).stdout
    row = next(line for line in table.splitlines() if "socialflow-acme" in line)
    assert "storage:acme (active)" in row
    listed = run(python, "-m", "socialflow", "plugins", "list", "--json", cwd=site).stdout
    [acme] = [entry for entry in json.loads(listed) if entry["name"] == "acme"]
    assert (acme["distribution"], acme["version"]) == ("socialflow-acme", "0.1.0")
    assert acme["providers"] == [{"kind": "storage", "name": "acme", "active": True}]
    [health] = acme["health"]
    assert health["ok"], health
    assert "acme storage in memory" in health["detail"]
    assert acme["settings_section"] == "acme"

    # The suite's own environment never saw the plugin.
    mine = run(sys.executable, "-m", "socialflow", "plugins", "list", "--json", cwd=site).stdout
    assert "socialflow-acme" not in mine
